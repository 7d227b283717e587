from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from core.admin_history import ReadableHistoryMixin
from core.admin_lookups import OfferedLookupsOnlyMixin
from education import reminders
from education.admin import workflow
from education.admin.widgets import ArticleBodyWidget
from education.models import Article, Clinician, Revision
from education.revisions import snapshot


def names(users):
    return ", ".join(user.get_full_name() or user.get_username() for user in users)


def sent_for_review_message(revision):
    """Queue the reviewers' emails and say exactly who will see the revision, who is
    emailed, and, when nobody may approve it, who can do something about that."""
    reviewers = list(reminders.reviewers_for(revision))
    emailed = reminders.tell_reviewers_it_waits(revision)
    if not reviewers:
        managers = get_user_model().objects.filter(is_superuser=True, is_active=True)
        return (
            "Sent for review, but no medical reviewer can approve it: the only reviewers "
            "worked on this revision, and nobody approves their own writing. "
            f"The practice manager ({names(managers) or 'no account yet'}) can add another "
            "medical reviewer under Staff."
        )
    message = f"Sent for review: it is on the home page of {names(reviewers)}."
    if emailed:
        message += f" An email telling them is queued for {emailed} of them."
    else:
        message += " No email: none of them has an email address."
    return message


class ReviewDueFilter(admin.SimpleListFilter):
    title = "review due"
    parameter_name = "review_due"

    def lookups(self, request, model_admin):
        return [("yes", "Review due"), ("no", "Reviewed recently")]

    def queryset(self, request, queryset):
        # Only what patients read can fall due; a draft has its review on the way.
        if self.value() == "yes":
            return queryset.published().review_due()
        if self.value() == "no":
            return queryset.published().exclude(pk__in=queryset.review_due().values("pk"))
        return queryset


class WorkingCopyFilter(admin.SimpleListFilter):
    title = "unpublished changes"
    parameter_name = "changes"

    def lookups(self, request, model_admin):
        return [
            ("mine", "Waiting for my review"),
            ("in_review", "In review"),
            ("approved", "Approved, not yet published"),
            ("draft", "Changes not yet sent for review"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.waiting_for_review_by(request.user)
        if value in {"in_review", "approved"}:
            return queryset.filter(latest_revision__state=value)
        if value == "draft":
            return queryset.filter(
                latest_revision__state__in=[
                    Revision.State.DRAFT,
                    Revision.State.CHANGES_REQUESTED,
                ]
            )
        return queryset


class ArticleForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The working copy's topics, not the published ones (see get_object).
        working_topics = getattr(self.instance, "working_topic_ids", None)
        if working_topics is not None and "topics" in self.fields:
            self.initial["topics"] = working_topics
        # Help in a clinician's words: what patients see, not how the site is set up.
        if "sources" in self.fields:
            self.fields["sources"].help_text = (
                "For the medical reviewer: the guidelines and patient pages this article's "
                "facts were checked against, one per line, with the year. "
                + (
                    "Patients see this list under the article."
                    if settings.ARTICLE_SOURCES_PUBLIC
                    else "Patients do not see this list; the practice manager can choose "
                    "to show it on the site."
                )
            )
        if "body" in self.fields:
            self.fields["body"].help_text = (
                "To show a picture from the image library, use “Insert image from "
                "library” above the editor: its marker, e.g. [image 12], goes on a line of "
                "its own, and the picture shows under it as patients will see it."
            )


@admin.register(Article)
class ArticleAdmin(OfferedLookupsOnlyMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    """Clinicians write here. Every save is a revision (education/revisions.py); once
    an article is on the site, patients keep the published text until a medical
    reviewer approves a revision and it is published (education/admin/workflow.py)."""

    form = ArticleForm
    list_display = (
        "title",
        "status_label",
        "changes_label",
        "topic_names",
        "reviewer",
        "reviewed_on",
        "review_is_due",
        "updated",
    )
    list_filter = (
        "status",
        "language",
        WorkingCopyFilter,
        ReviewDueFilter,
        "topics",
        "reviewer",
        "featured",
    )
    list_select_related = ("reviewer", "latest_revision")
    search_fields = ("title", "summary", "body")
    raw_id_fields = ("lead_image",)
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ("title",)}
    actions = ("publish_selected",)
    change_form_template = "education/admin/article_change_form.html"
    object_history_list_template = "education/admin/article_history_list.html"

    class Media:
        css = {"all": ["education/admin.css"]}
        js = ["education/writing_checks.js"]

    fieldsets = (
        (
            None,
            {"fields": ("title", "slug", "summary", "lead_image", "body", "writing_checks")},
        ),
        ("Topics", {"fields": ("topics",)}),
        ("Language", {"fields": ("language", "translation_of")}),
        (
            "Author and sources",
            {
                "fields": ("author", "sources"),
                "description": (
                    "The medical reviewer signs off from the Review and publishing panel "
                    "above, under their own account; check the facts against these "
                    "sources before approving."
                ),
            },
        ),
        ("Home page", {"fields": ("featured",)}),
    )
    readonly_fields = ("writing_checks",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("topics")

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        history = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return history.select_related("history_user", "reviewer")

    def get_object(self, request, object_id, from_field=None):
        """The article as its writers see it: with the working copy's content."""
        article = super().get_object(request, object_id, from_field)
        if article is not None:
            article.ensure_first_revision()
            if working := article.working_copy:
                article.apply_content(working.content)
        return article

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Going back to an earlier text is a new revision that needs approval, never
        # a direct write to what patients read: the Revisions page does it.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:education_article_revisions", object_id)

    def get_changeform_initial_data(self, request):
        # A clinician writing a new article is usually its author.
        initial = super().get_changeform_initial_data(request)
        clinician = Clinician.objects.filter(user=request.user).first()
        if clinician:
            initial.setdefault("author", clinician.pk)
        return initial

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = ArticleBodyWidget
        elif db_field.name == "summary":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"})
        elif db_field.name == "title":
            kwargs["widget"] = forms.TextInput(attrs={"class": "vLargeTextField"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "topics":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Every save is a revision; a published article's row is left as patients
        read it (Article.save_revision)."""
        if not change:
            obj.save()
        topic_ids = [topic.pk for topic in form.cleaned_data.get("topics", [])]
        request.saved_revision = obj.save_revision(
            request.user, snapshot(obj, topic_ids), new_article=not change
        )
        request.sent_for_review = None
        if "_send_for_review" in request.POST and obj.working_copy:
            try:
                obj.working_copy.submit_for_review(request.user)
            except ValidationError as error:
                request.sent_for_review = " ".join(error.messages)
            else:
                request.sent_for_review = sent_for_review_message(obj.working_copy)

    def save_related(self, request, form, formsets, change):
        # Topics were saved with the revision (to the article only if not yet public).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def response_change(self, request, obj):
        # Django's "changed successfully" first, then what became of the change.
        response = super().response_change(request, obj)
        revision = getattr(request, "saved_revision", None)
        if revision and obj.edits_wait_for_approval:
            self.message_user(
                request,
                f"Saved as revision {revision.number}. Patients still see the published "
                "version until a medical reviewer approves the changes and they are published.",
                messages.INFO,
            )
        elif revision is None and "_send_for_review" not in request.POST:
            self.message_user(request, "Nothing had changed: no new revision was made.")
        self.tell_if_sent(request)
        return self.back_to_the_panel(request, obj) or response

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        self.tell_if_sent(request)
        return self.back_to_the_panel(request, obj) or response

    def tell_if_sent(self, request):
        if getattr(request, "sent_for_review", None):
            self.message_user(request, request.sent_for_review)

    def back_to_the_panel(self, request, article):
        """After "Save and send for review": the article's page, where the panel
        shows who it waits for."""
        if "_send_for_review" in request.POST:
            return redirect("admin:education_article_change", article.pk)
        return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The panel from the article the change view already loaded (get_object).
        if obj is not None and obj.pk:
            context.update(workflow.panel(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        views = workflow.Views(self)
        routes = [
            ("writing-checks/", views.writing_checks, "writing_checks"),
            ("<path:object_id>/revisions/", views.revision_list, "revisions"),
            ("<path:object_id>/revisions/<int:number>/compare/", views.compare, "compare"),
            ("<path:object_id>/revisions/<int:number>/preview/", views.preview, "preview"),
            ("<path:object_id>/revisions/<int:number>/<slug:step>/", views.take_step, "step"),
            ("<path:object_id>/discard/", views.discard, "discard"),
            ("<path:object_id>/unpublish/", views.unpublish, "unpublish"),
        ]
        return [
            path(route, self.admin_site.admin_view(view), name=f"education_article_{name}")
            for route, view, name in routes
        ] + super().get_urls()

    def has_delete_permission(self, request, obj=None):
        # An article patients can read is taken off the site by unpublishing (a
        # medical reviewer's step); deleting it is the practice manager's alone.
        if obj is not None and obj.status == obj.Status.PUBLISHED and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # One article at a time: no "Save and add another" beside the review steps.
        extra_context = {"show_save_and_add_another": False, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def has_publish_permission(self, request):
        return request.user.has_perm("education.publish_article")

    @admin.display(description="status", ordering="status")
    def status_label(self, article):
        if article.is_scheduled:
            local = timezone.localtime(article.publish_at)
            return f"Scheduled for {local:%b %-d, %Y %-I:%M %p}"
        return article.get_status_display()

    @admin.display(description="unpublished changes")
    def changes_label(self, article):
        latest = article.latest_revision
        if latest is None or latest.pk == article.live_revision_id:
            return ""
        if latest.is_scheduled:
            return f"Approved, goes live {timezone.localtime(latest.go_live_at):%b %-d %-I:%M %p}"
        return latest.get_state_display()

    @admin.display(description="topics")
    def topic_names(self, article):
        return ", ".join(topic.name for topic in article.topics.all())

    @admin.display(description="review due")
    def review_is_due(self, article):
        # Words, not the boolean icons: a red cross would read as "something is wrong"
        # on exactly the articles that are fine.
        if not article.is_live:
            return ""
        if article.reviewed_on is None:
            return "Due: never reviewed"
        if article.review_due:
            return "Due: review is over a year old"
        return ""

    @admin.display(description="reading level as you write")
    def writing_checks(self, article):
        url = reverse("admin:education_article_writing_checks")
        return format_html(
            '<div id="writing-checks" class="writing-checks" data-url="{}">'
            '<p class="writing-checks-summary" aria-live="polite">{}</p>'
            '<div class="writing-checks-details"></div></div>',
            url,
            "Checks appear here as you write: reading grade, long sentences, plainer "
            "words, picture descriptions and headings.",
        )

    @admin.action(
        description="Publish the approved changes of selected articles", permissions=["publish"]
    )
    def publish_selected(self, request, queryset):
        published, refused = 0, []
        for article in queryset.select_related("latest_revision"):
            article.ensure_first_revision()
            revision = article.latest_revision
            if revision is None or (revision.pk == article.live_revision_id and article.is_live):
                continue
            try:
                revision.publish(request.user)
            except ValidationError:
                refused.append(article.title)
            else:
                published += 1
        if published:
            self.message_user(request, f"Published {published} article(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                "Not published, a medical reviewer must approve the changes first: "
                + "; ".join(refused),
                messages.ERROR,
            )
