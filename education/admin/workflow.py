"""The admin pages around an article's revisions: the review-and-publishing panel on
the change page, the list of revisions, comparing two, previewing one on the real
page, and each step of the workflow (education/revisions.py says what each step
checks)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from education import diff, reminders, sources, writing_checks
from education.images import Image
from education.models import Article, Clinician, Topic
from education.revisions import PUBLISH_PERMISSION, REVIEW_PERMISSION
from education.views import RevisionPreview

FIELD_LABELS = {
    "title": "Title",
    "slug": "Web address (slug)",
    "summary": "Summary",
    "body": "Text",
    "lead_image": "Lead image",
    "author": "Author",
    "sources": "Sources",
    "featured": "Shown on the home page",
    "topics": "Topics",
}


class PublishForm(forms.Form):
    go_live_at = forms.DateTimeField(
        required=False,
        label="Publish at",
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="The clinic's time. Leave empty to publish now.",
    )

    def clean_go_live_at(self):
        when = self.cleaned_data["go_live_at"]
        if when is not None and when <= timezone.now():
            raise ValidationError("That time has passed: choose a later time, or publish now.")
        return when


def change_url(article):
    return reverse("admin:education_article_change", args=[article.pk])


def panel(request, article):
    """What the Review and publishing panel above the change form shows."""
    user = request.user
    working = article.working_copy
    return {
        "workflow": {
            "live": article.live_revision if article.status == Article.Status.PUBLISHED else None,
            "working": working,
            "approve_refusal": working.refusal_to_approve(user) if working else "",
            "can_review": user.has_perm(REVIEW_PERMISSION),
            "can_publish": user.has_perm(PUBLISH_PERMISSION),
            "can_unpublish": user.has_perm(REVIEW_PERMISSION),
            "can_edit": user.has_perm("education.change_article"),
            "can_republish": (
                article.status == Article.Status.DRAFT
                and working is None
                and article.live_revision_id is not None
            ),
            "publish_form": PublishForm(),
            # For the reviewer: web pages read over two years ago (the clinic's date)
            # or not read yet, and lines that are neither a dated publication nor a
            # dated web page.
            "stale_sources": sources.stale_web_pages(article.sources),
            "unread_sources": [s for s in sources.parse_sources(article.sources) if s.not_yet_read],
            "unclear_sources": [s for s in sources.parse_sources(article.sources) if s.problem],
        }
    }


class Views:
    """The views, bound to the ArticleAdmin (for its permissions and admin context)."""

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def _article(self, request, object_id, permission="view"):
        article = self.model_admin.get_object(request, object_id)
        if article is None:
            raise Http404("No such article.")
        allowed = {
            "view": self.model_admin.has_view_permission,
            "change": self.model_admin.has_change_permission,
        }[permission]
        if not allowed(request, article):
            raise PermissionDenied
        return article

    def _context(self, request, article, title, **extra):
        return {
            **self.model_admin.admin_site.each_context(request),
            "opts": self.model_admin.opts,
            "original": article,
            "title": title,
            **extra,
        }

    def revision_list(self, request, object_id):
        article = self._article(request, object_id)
        revisions = article.revisions.select_related(
            "created_by", "approved_by", "reviewer", "published_by"
        )
        return TemplateResponse(
            request,
            "education/admin/revisions.html",
            self._context(
                request,
                article,
                f"Revisions of “{article.title}”",
                revisions=revisions,
                can_edit=self.model_admin.has_change_permission(request, article),
            ),
        )

    def compare(self, request, object_id, number):
        article = self._article(request, object_id)
        revision = get_object_or_404(article.revisions, number=number)
        other = self._compared_with(request, article, revision)
        changes = compare_contents(other.content if other else {}, revision.content)
        return TemplateResponse(
            request,
            "education/admin/compare.html",
            self._context(
                request,
                article,
                f"Revision {revision.number} compared",
                revision=revision,
                other=other,
                changes=changes,
                choices=article.revisions.exclude(pk=revision.pk).order_by("-number"),
            ),
        )

    def _compared_with(self, request, article, revision):
        wanted = request.GET.get("with", "")
        if wanted.isdecimal():
            return get_object_or_404(article.revisions, number=int(wanted))
        # By default: against what patients read, or the revision before.
        if article.live_revision_id and article.live_revision_id != revision.pk:
            return article.live_revision
        return article.revisions.filter(number__lt=revision.number).first()

    def preview(self, request, object_id, number):
        article = self._article(request, object_id)
        revision = get_object_or_404(article.revisions, number=number)
        return RevisionPreview.as_view(revision=revision)(request, slug=article.slug)

    @staticmethod
    def _step_refused(request, article, error):
        messages.error(request, " ".join(error.messages))
        return redirect(change_url(article))

    def take_step(self, request, object_id, number, step):
        article = self._article(request, object_id)
        if request.method != "POST":  # the steps are buttons on the article's page
            return HttpResponseNotAllowed(["POST"])
        revision = get_object_or_404(article.revisions, number=number)
        user = request.user
        try:
            if step == "submit":
                if not self.model_admin.has_change_permission(request, article):
                    raise PermissionDenied
                revision.submit_for_review(user)
                reminders.tell_reviewers_it_waits(revision)
                done = "Sent for review: a medical reviewer will see it on their home page."
            elif step == "approve":
                revision.approve(user)
                reminders.tell_writer_the_outcome(revision)
                done = f"You approved revision {revision.number}. It can now be published."
            elif step == "request-changes":
                revision.request_changes(user, request.POST.get("review_note", ""))
                reminders.tell_writer_the_outcome(revision)
                done = "Sent back to the writer with your note."
            elif step == "publish":
                done = self._publish(request, revision)
            elif step == "cancel-schedule":
                if not user.has_perm(PUBLISH_PERMISSION):
                    raise PermissionDenied
                revision.cancel_schedule()
                done = "The scheduled publication is cancelled; the changes stay approved."
            elif step == "revert":
                if not self.model_admin.has_change_permission(request, article):
                    raise PermissionDenied
                new = article.revert_to(revision, user)
                done = (
                    f"Revision {new.number} holds the text of revision {revision.number}. "
                    "It needs a medical review before it can be published."
                    if new
                    else "The working copy already holds that text."
                )
            else:
                raise Http404("No such step.")
        except ValidationError as error:
            return self._step_refused(request, article, error)
        self.model_admin.log_change(request, article, f"{step} revision {revision.number}")
        messages.success(request, done)
        return redirect(change_url(article))

    def _publish(self, request, revision):
        form = PublishForm(request.POST)
        if not form.is_valid():
            raise ValidationError(form.errors["go_live_at"])
        when = form.cleaned_data["go_live_at"]
        revision.publish(request.user, at=when)
        if when:
            local = timezone.localtime(when)
            return f"Scheduled: patients see these changes from {local:%A, %B %-d at %-I:%M %p}."
        return "Published: patients now see this revision."

    def discard(self, request, object_id):
        article = self._article(request, object_id, "change")
        return self._confirm(
            request,
            article,
            action=lambda: article.discard_changes(request.user),
            title="Discard the unpublished changes?",
            question=(
                "The working copy is dropped and the article goes back to the published "
                "revision. The discarded revisions stay in the list of revisions."
            ),
            button="Yes, discard the changes",
            done="The changes are discarded; the article is as patients read it.",
        )

    def unpublish(self, request, object_id):
        article = self._article(request, object_id)
        # Taking an article off the site is a medical reviewer's (or the manager's)
        # decision, not any writer's.
        if not request.user.has_perm(REVIEW_PERMISSION):
            raise PermissionDenied
        return self._confirm(
            request,
            article,
            action=lambda: article.unpublish(request.user),
            title="Take this article off the site?",
            question=(
                "Patients will no longer find it: its address will show “page not found”, "
                "and it leaves the lists, the search and the feed. Its revisions and "
                "sign-off are kept, so it can be published again."
            ),
            button="Yes, unpublish",
            done="The article is off the site.",
        )

    def _confirm(self, request, article, *, action, title, question, button, done):
        if request.method == "POST":
            try:
                action()
            except ValidationError as error:
                return self._step_refused(request, article, error)
            self.model_admin.log_change(request, article, title.rstrip("?"))
            messages.success(request, done)
            return redirect(change_url(article))
        return TemplateResponse(
            request,
            "education/admin/confirm.html",
            self._context(request, article, title, question=question, button=button),
        )

    @staticmethod
    def writing_checks(request):
        user = request.user
        if not (
            user.has_perm("education.change_article") or user.has_perm("education.add_article")
        ):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return JsonResponse(writing_checks.check(request.POST.get("body", "")))


def compare_contents(old, new):
    """[(label, kind, value)] for each field that really changed: kind "blocks" with
    a word diff, or "values" with (before, after) in words."""
    changes = []
    for field, label in FIELD_LABELS.items():
        before, after = old.get(field), new.get(field)
        if field == "topics":
            before, after = sorted(before or []), sorted(after or [])
        if before == after or (not before and not after):
            continue
        if field in {"body", "title", "summary", "sources", "slug"}:
            compare = diff.compare_html if field == "body" else diff.compare_text
            blocks = compare(before, after)
            if any(block.changed for block in blocks):  # not only spacing or line ends
                changes.append((label, "blocks", blocks))
        else:
            changes.append((label, "values", (describe(field, before), describe(field, after))))
    return changes


def describe(field, value):
    """A stored value as staff read it."""
    if value in (None, "", []):
        return "(none)"
    if field == "featured":
        return "Yes" if value else "No"
    if field == "topics":
        return ", ".join(Topic.objects.filter(pk__in=value).values_list("name", flat=True))
    if field == "author":
        clinician = Clinician.objects.filter(pk=value).first()
        return str(clinician) if clinician else "(a clinician since removed)"
    if field == "lead_image":
        image = Image.objects.filter(pk=value).first()
        return f"{image} ({image.marker})" if image else "(an image since removed)"
    return str(value)
