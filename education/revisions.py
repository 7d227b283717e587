"""Revisions of an article, and the clinical sign-off that lets one reach patients.

Every save of an article in the admin is a revision: a snapshot of what was written
and by whom. Patients read the article's own row, which changes only when a revision
is published. While an article is on the site, edits wait in its working copy (the
newest revision) until:

  Draft → In review (the writer sends it) → Approved (a medical reviewer signs off
  that exact revision under their own account) → Published (now or at a set time).

The sign-off (who, when, which revision) travels with the revision; publishing
copies the revision's content and its sign-off onto the article, so the byline and
``lastReviewed`` always describe what patients are reading. Any later change is a
new revision that needs its own approval.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.tasks import task
from django.utils import timezone

# What a revision holds: everything the clinician writes. Status and publication
# time belong to the workflow, the sign-off to the review.
CONTENT_FIELDS = ("title", "slug", "summary", "body", "lead_image", "author", "sources", "featured")
REVIEW_PERMISSION = "education.review_article"
PUBLISH_PERMISSION = "education.publish_article"
# Revision 1 of an article written before revisions existed (and migration 0007).
FIRST_REVISION_NOTE = "What the article held when revisions began"


def snapshot(article, topic_ids=None):
    """The content of an article (saved or not) as a revision stores it."""
    content = {field: getattr(article, models_attname(article, field)) for field in CONTENT_FIELDS}
    for field, value in content.items():
        if isinstance(value, str):  # browsers send "\r\n"; stored text keeps "\n"
            content[field] = value.replace("\r\n", "\n")
    if topic_ids is None:
        topic_ids = [topic.pk for topic in article.topics.all()] if article.pk else []
    content["topics"] = sorted(topic_ids)
    return content


def models_attname(article, field):
    """ "lead_image" → "lead_image_id": revisions keep ids, not objects."""
    return article._meta.get_field(field).attname


class Revision(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        DISCARDED = "discarded", "Discarded"

    article = models.ForeignKey(
        "education.Article", on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(help_text="1 for an article's first revision, then 2…")
    content = models.JSONField()
    state = models.CharField(max_length=20, choices=State, default=State.DRAFT)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="written by",
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The sign-off: which account approved, when, and the clinician it stands for.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        "education.Clinician",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_off_revisions",
        verbose_name="medical reviewer",
    )
    review_note = models.TextField(
        blank=True, help_text="The reviewer's words to the writer, when changes are needed."
    )
    go_live_at = models.DateTimeField(
        null=True, blank=True, help_text="When a scheduled revision reaches patients."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # "Go back to this": the words are the earlier revision's, so its writers stay
    # writers of this one for the four-eyes rule (a reviewer never approves their
    # own words because someone else restored them).
    restored_writers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="For a revision that restores an earlier one: that revision's writers.",
    )

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="one_number_per_revision")
        ]
        indexes = [models.Index(fields=["state", "submitted_at"])]

    def __str__(self):
        return f"Revision {self.number}"

    @property
    def is_scheduled(self):
        return self.state == self.State.APPROVED and self.go_live_at is not None

    @property
    def signed_off_on(self):
        """The review date patients see: the clinic's date of the approval."""
        return timezone.localdate(self.approved_at) if self.approved_at else None

    def writers(self):
        """Everyone who wrote part of this revision: its author and every author of
        the revisions since the last one patients could read, with the writers of
        any earlier text those revisions restored. ArticleQuerySet.waiting_for_review_by
        asks the same in SQL."""
        since = self.article.revisions.filter(number__lte=self.number)
        last_published = (
            since.filter(state=self.State.PUBLISHED, number__lt=self.number)
            .values_list("number", flat=True)
            .first()
        )
        if last_published:
            since = since.filter(number__gt=last_published)
        writers = set(since.values_list("created_by", flat=True))
        writers |= set(since.values_list("restored_writers", flat=True))
        writers.discard(None)
        return writers

    # The workflow. Each step checks who may take it and raises ValidationError with
    # a sentence for the admin when the step is not possible now.

    def submit_for_review(self, user):
        self._require_working_copy()
        if self.state not in (self.State.DRAFT, self.State.CHANGES_REQUESTED):
            raise ValidationError(f"This revision is already {self.get_state_display().lower()}.")
        self.state, self.submitted_at = self.State.IN_REVIEW, timezone.now()
        self.save(update_fields=["state", "submitted_at"])

    def refusal_to_approve(self, user):
        """Why ``user`` may not approve this revision now, or "" if they may."""
        if not user.has_perm(REVIEW_PERMISSION):
            return "Only a medical reviewer can approve articles."
        clinician = getattr(user, "clinician", None)
        if clinician is None:
            return (
                "Your account is not linked to a clinician profile, so your sign-off "
                "cannot appear on the article. Ask the practice manager to link it."
            )
        if self.state != self.State.IN_REVIEW:
            return "Only a revision sent for review can be approved."
        if self.pk != self.article.latest_revision_id:
            return "A newer revision exists: review that one instead."
        if user.pk in self.writers() or self.content.get("author") == clinician.pk:
            return "You wrote part of this revision: another medical reviewer must approve it."
        return ""

    def approve(self, user):
        refusal = self.refusal_to_approve(user)
        if refusal:
            raise ValidationError(refusal)
        self.state = self.State.APPROVED
        self.approved_by, self.approved_at = user, timezone.now()
        self.reviewer = user.clinician
        self.review_note = ""
        self.save()

    def request_changes(self, user, note):
        if not user.has_perm(REVIEW_PERMISSION):
            raise PermissionDenied
        if self.state != self.State.IN_REVIEW:
            raise ValidationError("Only a revision sent for review can be sent back.")
        if not note.strip():
            raise ValidationError("Say what needs to change, so the writer knows what to fix.")
        self.state, self.review_note = self.State.CHANGES_REQUESTED, note.strip()
        self.save(update_fields=["state", "review_note"])

    def publish(self, user, at=None):
        """Put this approved revision before patients now, or at ``at``."""
        if not user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied
        self._require_working_copy()
        # A published revision was approved: it may go back up after unpublishing.
        if self.state not in (self.State.APPROVED, self.State.PUBLISHED):
            raise ValidationError(
                "A medical reviewer must approve this revision before it can be published."
            )
        if at is not None and at > timezone.now():
            if not publish_when_due.get_backend().supports_defer:
                raise ValidationError(
                    "This site has no background worker to publish at a set time: "
                    "publish now instead."
                )
            self.state, self.go_live_at, self.published_by = self.State.APPROVED, at, user
            self.save(update_fields=["state", "go_live_at", "published_by"])
            transaction.on_commit(lambda: publish_when_due.using(run_after=at).enqueue(self.pk))
            return
        self.publish_now(user)

    @transaction.atomic
    def publish_now(self, user):
        article = self.article
        article.apply_content(self.content)
        article.reviewer_id = self.reviewer_id
        article.reviewed_on = self.signed_off_on
        if article.status != article.Status.PUBLISHED or article.publish_at > timezone.now():
            article.publish_at = timezone.now()
        article.status = article.Status.PUBLISHED
        article.live_revision = article.latest_revision = self
        article._change_reason = f"Published revision {self.number}"
        article.save()
        article.topics.set(self.content["topics"])
        self.state, self.published_at, self.published_by = (
            self.State.PUBLISHED,
            timezone.now(),
            user,
        )
        self.go_live_at = None
        self.save()

    def cancel_schedule(self):
        self.go_live_at = None
        self.save(update_fields=["go_live_at"])

    def _require_working_copy(self):
        if self.pk != self.article.latest_revision_id:
            raise ValidationError("A newer revision exists: only the newest can move on.")


@task
def publish_when_due(revision_id):
    """Publish a scheduled revision at its time (queued with run_after by publish()).
    Does nothing if it was rescheduled, cancelled or overtaken by newer edits."""
    with transaction.atomic():
        revision = (
            Revision.objects.select_for_update().select_related("article").filter(pk=revision_id)
        ).first()
        if revision is None or not revision.is_scheduled:
            return "nothing to do"
        if revision.go_live_at > timezone.now():
            return "not yet"  # rescheduled later: that schedule queued its own task
        if revision.pk != revision.article.latest_revision_id:
            return "overtaken by newer edits"
        revision.publish_now(revision.published_by)
        return "published"
