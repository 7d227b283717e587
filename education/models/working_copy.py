"""An article's side of revisions (education/revisions.py): the admin saves every
edit as one; before publication the article takes it at once, afterwards it waits in
the working copy until a medical reviewer approves it and it is published."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from education.models.publishing import start_of_day
from education.revisions import CONTENT_FIELDS, FIRST_REVISION_NOTE, Revision, snapshot


class WorkingCopyMixin:
    """For Article: needs ``status``, ``revisions``, ``live_revision`` and
    ``latest_revision``."""

    @property
    def edits_wait_for_approval(self):
        """True once the article is on the site or scheduled: edits then go to the
        working copy, and patients keep the published text until one is approved."""
        return self.status == self.Status.PUBLISHED

    @property
    def working_copy(self):
        """The newest revision when patients do not read it yet, else None."""
        latest = self.latest_revision
        if latest is None or latest.pk == self.live_revision_id:
            return None
        return latest

    def apply_content(self, content):
        """Fill this (unsaved) article with a revision's content; topics are kept
        aside in ``working_topic_ids`` since they live in another table."""
        for field in CONTENT_FIELDS:
            if field in content:
                setattr(self, self._meta.get_field(field).attname, content[field])
        self.working_topic_ids = list(content.get("topics", []))

    def ensure_first_revision(self):
        """Articles made before revisions existed (or by a script) get revision 1:
        what they hold now, with the sign-off they carry."""
        if self.latest_revision_id or not self.pk:
            return
        published = self.status == self.Status.PUBLISHED
        revision = self.revisions.create(
            number=1,
            content=snapshot(self),
            state=Revision.State.PUBLISHED if published else Revision.State.DRAFT,
            note=FIRST_REVISION_NOTE,
            reviewer=self.reviewer if published else None,
            approved_at=start_of_day(self.reviewed_on) if published else None,
        )
        self.latest_revision = revision
        if published:
            self.live_revision = revision
        type(self).objects.filter(pk=self.pk).update(
            latest_revision=revision, live_revision=self.live_revision
        )

    @transaction.atomic
    def save_revision(self, user, content, note="", *, new_article=False):
        """Record ``content`` as the newest revision, written by ``user``; unchanged
        content makes no revision. Before publication the article takes the content
        at once (nobody reads it yet); afterwards patients keep the published text.
        Returns the new revision, or None. ``new_article``: this is its first text,
        not an article from before revisions."""
        if not new_article:
            self.ensure_first_revision()
        # One save at a time per article: revision numbers stay unique, and a save
        # compares with the newest revision even if someone saved a moment ago.
        locked = type(self).objects.select_for_update().only("latest_revision").get(pk=self.pk)
        self.latest_revision_id = locked.latest_revision_id
        latest = self.latest_revision
        if latest is not None and latest.content == content:
            return None
        revision = self.revisions.create(
            number=self.next_revision_number(), content=content, created_by=user, note=note
        )
        self.latest_revision = revision
        if not self.edits_wait_for_approval:
            self.apply_content(content)
            self.save()
            self.topics.set(content["topics"])
        else:
            type(self).objects.filter(pk=self.pk).update(latest_revision=revision)
        return revision

    def next_revision_number(self):
        # Discarded revisions keep their numbers: count on from the highest.
        highest = self.revisions.aggregate(highest=Max("number"))["highest"]
        return (highest or 0) + 1

    @transaction.atomic
    def revert_to(self, revision, user):
        """A new working copy with an earlier revision's content; it needs approval
        like any other edit. Whoever wrote that content still counts as its writer."""
        restored = self.save_revision(
            user, dict(revision.content), note=f"Back to revision {revision.number}"
        )
        if restored is not None:
            restored.restored_writers.set(revision.writers())
        return restored

    @transaction.atomic
    def discard_changes(self, user):
        """Drop the working copy: the next edit starts from what patients read."""
        if self.live_revision_id is None or self.working_copy is None:
            raise ValidationError("There are no unpublished changes to discard.")
        self.revisions.filter(number__gt=self.live_revision.number).exclude(
            state=Revision.State.DISCARDED
        ).update(state=Revision.State.DISCARDED, go_live_at=None)
        self.latest_revision = self.live_revision
        type(self).objects.filter(pk=self.pk).update(latest_revision=self.live_revision)

    def unpublish(self, user):
        """Take the article off the site. Its revisions and sign-off are kept."""
        if self.status != self.Status.PUBLISHED:
            raise ValidationError("This article is not published.")
        self.status = self.Status.DRAFT
        self._change_reason = "Unpublished"
        self.save()
