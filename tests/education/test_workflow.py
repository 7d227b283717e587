"""Revisions and clinical sign-off (issue 12), on the models: a live article's edits
wait in a working copy; only a revision a medical reviewer approved under their own
account reaches patients, with that sign-off as its byline."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from education.models import Article, Revision, review_due_before
from education.revisions import publish_when_due, snapshot
from tests.education.conftest import make_article, make_clinician

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def edit(article, user, **changes):
    """What the admin does on Save: the article's content with ``changes``, as a revision."""
    article.refresh_from_db()
    content = {**(article.working_copy or article.latest_revision).content, **changes}
    return article.save_revision(user, content)


def signed_off(article, writer, reviewer, **changes):
    """A revision written by ``writer``, sent for review and approved by ``reviewer``."""
    revision = edit(article, writer, **changes)
    revision.submit_for_review(writer)
    revision.approve(reviewer)
    return revision


@pytest.fixture
def live(article):
    article.ensure_first_revision()
    return article


# A working copy for live articles


def test_editing_a_live_article_leaves_what_patients_read(live, clinician_user):
    revision = edit(live, clinician_user, title="Facet joints, new title", body="<p>New.</p>")

    live.refresh_from_db()
    assert live.title == "Facet joints explained"
    assert "New." not in live.body
    assert live.working_copy == revision
    assert revision.number == 2 and revision.created_by == clinician_user
    assert revision.state == Revision.State.DRAFT


def test_saving_unchanged_content_makes_no_revision(live, clinician_user):
    assert edit(live, clinician_user) is None
    assert live.revisions.count() == 1


def test_a_draft_takes_its_edits_at_once(draft, clinician_user, topic):
    draft.ensure_first_revision()

    edit(draft, clinician_user, title="Injections: a draft")

    draft.refresh_from_db()
    assert draft.title == "Injections: a draft"
    assert draft.status == Article.Status.DRAFT


def test_articles_from_before_revisions_get_revision_one_with_their_review(live):
    first = live.live_revision

    assert first.number == 1 and first.state == Revision.State.PUBLISHED
    assert first.content == snapshot(live)
    assert first.reviewer == live.reviewer
    assert first.signed_off_on == live.reviewed_on


# Sign-off by the reviewer's own account


def test_approved_and_published_the_byline_is_the_approvers(live, clinician_user, reviewer_user):
    revision = signed_off(live, clinician_user, reviewer_user, body="<p>Checked text.</p>")
    revision.publish(clinician_user)

    live.refresh_from_db()
    revision.refresh_from_db()
    assert live.body == "<p>Checked text.</p>"
    assert live.live_revision == revision and live.working_copy is None
    assert live.reviewer == reviewer_user.clinician
    assert live.reviewed_on == timezone.localdate()
    assert revision.approved_by == reviewer_user
    assert revision.state == Revision.State.PUBLISHED and revision.published_by == clinician_user


def test_the_sign_off_records_the_exact_revision_and_time(live, clinician_user, reviewer_user):
    before = timezone.now()
    revision = signed_off(live, clinician_user, reviewer_user, summary="New summary.")

    assert revision.approved_by == reviewer_user
    assert before <= revision.approved_at <= timezone.now()
    assert revision.content["summary"] == "New summary."


def test_a_reviewer_cannot_approve_what_they_wrote(live, reviewer_user):
    revision = edit(live, reviewer_user, title="My own words")
    revision.submit_for_review(reviewer_user)

    with pytest.raises(ValidationError, match="You wrote part of this revision"):
        revision.approve(reviewer_user)
    assert Revision.objects.get(pk=revision.pk).state == Revision.State.IN_REVIEW


def test_nor_what_they_wrote_under_someone_elses_later_edit(live, clinician_user, reviewer_user):
    edit(live, reviewer_user, title="Reviewer's rewrite")
    revision = edit(live, clinician_user, summary="A small fix on top.")
    revision.submit_for_review(clinician_user)

    assert "You wrote part" in revision.refusal_to_approve(reviewer_user)


def test_nor_an_article_they_are_the_author_of(
    live, clinician_user, reviewer_user, django_user_model
):
    revision = edit(live, clinician_user, author=reviewer_user.clinician.pk)
    revision.submit_for_review(clinician_user)

    with pytest.raises(ValidationError, match="another medical reviewer"):
        revision.approve(reviewer_user)


def test_a_clinician_without_the_reviewer_permission_cannot_approve(live, clinician_user):
    make_clinician(name="Dr. No Permission", user=clinician_user)
    revision = edit(live, clinician_user, title="x")
    revision.submit_for_review(clinician_user)

    with pytest.raises(ValidationError, match="Only a medical reviewer"):
        revision.approve(clinician_user)


def test_a_reviewer_needs_a_clinician_profile_for_the_byline(live, clinician_user, reviewer_user):
    reviewer_user.clinician.delete()
    reviewer_user.refresh_from_db()
    revision = edit(live, clinician_user, title="x")
    revision.submit_for_review(clinician_user)

    with pytest.raises(ValidationError, match="not linked to a clinician profile"):
        revision.approve(reviewer_user)


def test_only_a_revision_sent_for_review_can_be_approved(live, clinician_user, reviewer_user):
    revision = edit(live, clinician_user, title="Not sent yet")

    with pytest.raises(ValidationError, match="sent for review"):
        revision.approve(reviewer_user)


def test_a_change_after_approval_needs_a_new_approval(live, clinician_user, reviewer_user):
    approved = signed_off(live, clinician_user, reviewer_user, body="<p>Approved text.</p>")
    edit(live, clinician_user, body="<p>Approved text, then changed.</p>")

    with pytest.raises(ValidationError, match="newer revision"):
        approved.publish(clinician_user)
    live.refresh_from_db()
    assert live.working_copy.state == Revision.State.DRAFT
    assert "then changed" not in live.body


def test_publishing_needs_an_approval(live, clinician_user):
    revision = edit(live, clinician_user, title="Unreviewed")
    revision.submit_for_review(clinician_user)

    with pytest.raises(ValidationError, match="must approve"):
        revision.publish(clinician_user)
    live.refresh_from_db()
    assert live.title == "Facet joints explained"


def test_publishing_needs_the_publish_permission(
    live, clinician_user, reviewer_user, django_user_model
):
    revision = signed_off(live, clinician_user, reviewer_user, title="Approved")
    no_publish = django_user_model.objects.create_user("nopublish", is_staff=True)

    with pytest.raises(PermissionDenied):
        revision.publish(no_publish)


def test_asking_for_changes_needs_a_note_and_sends_it_back(live, clinician_user, reviewer_user):
    revision = edit(live, clinician_user, title="Draft title")
    revision.submit_for_review(clinician_user)

    with pytest.raises(ValidationError, match="Say what needs to change"):
        revision.request_changes(reviewer_user, "   ")
    revision.request_changes(reviewer_user, "Add the risks of the procedure.")

    revision.refresh_from_db()
    assert revision.state == Revision.State.CHANGES_REQUESTED
    assert revision.review_note == "Add the risks of the procedure."
    revision.submit_for_review(clinician_user)  # the writer may send it again


# What patients and search engines are told


def test_byline_and_json_ld_describe_the_published_revision_not_a_waiting_one(
    live, clinician_user, reviewer_user, second_reviewer_user
):
    signed_off(live, clinician_user, reviewer_user, title="First approved").publish(clinician_user)
    signed_off(live, clinician_user, second_reviewer_user, title="Second, not published")

    live.refresh_from_db()
    data = live.structured_data("https://example.org/a/", "https://example.org/")
    assert data["reviewedBy"]["name"] == "Dr. Rae Reviewer"
    assert data["lastReviewed"] == timezone.localdate().isoformat()
    assert live.title == "First approved"


# Scheduled publication, discarding, going back, unpublishing


@pytest.fixture
def worker_queue(settings):
    """The database task queue, as in production: it can hold a task until its time."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_scheduled_revision_goes_live_at_its_time_from_the_task_queue(
    live, clinician_user, reviewer_user, worker_queue
):
    revision = signed_off(live, clinician_user, reviewer_user, title="Tomorrow's title")
    when = timezone.now() + timedelta(hours=2)

    revision.publish(clinician_user, at=when)

    revision.refresh_from_db()
    assert revision.is_scheduled and revision.go_live_at == when
    assert publish_when_due.call(revision.pk) == "not yet"
    live.refresh_from_db()
    assert live.title == "Facet joints explained"

    Revision.objects.filter(pk=revision.pk).update(go_live_at=timezone.now())
    assert publish_when_due.call(revision.pk) == "published"
    live.refresh_from_db()
    assert live.title == "Tomorrow's title" and live.live_revision_id == revision.pk


def test_scheduling_queues_a_task_for_that_time(
    live, clinician_user, reviewer_user, django_capture_on_commit_callbacks, worker_queue
):
    from django_tasks_db.models import DBTaskResult

    revision = signed_off(live, clinician_user, reviewer_user, title="Later")
    when = timezone.now() + timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        revision.publish(clinician_user, at=when)

    queued = DBTaskResult.objects.get(task_path="education.revisions.publish_when_due")
    assert queued.run_after == when and queued.args_kwargs["args"] == [revision.pk]


def test_a_scheduled_revision_overtaken_by_new_edits_does_not_go_live(
    live, clinician_user, reviewer_user, worker_queue
):
    revision = signed_off(live, clinician_user, reviewer_user, title="Scheduled")
    revision.publish(clinician_user, at=timezone.now() + timedelta(hours=1))
    edit(live, clinician_user, title="Edited after scheduling")
    Revision.objects.filter(pk=revision.pk).update(go_live_at=timezone.now())

    assert publish_when_due.call(revision.pk) == "overtaken by newer edits"
    live.refresh_from_db()
    assert live.title == "Facet joints explained"


def test_a_cancelled_schedule_does_nothing(live, clinician_user, reviewer_user, worker_queue):
    revision = signed_off(live, clinician_user, reviewer_user, title="Scheduled")
    revision.publish(clinician_user, at=timezone.now() + timedelta(hours=1))
    revision.cancel_schedule()

    assert publish_when_due.call(revision.pk) == "nothing to do"


def test_discarding_returns_to_the_published_revision(live, clinician_user):
    edit(live, clinician_user, title="Unwanted")
    edit(live, clinician_user, title="Unwanted again")

    live.discard_changes(clinician_user)

    live.refresh_from_db()
    assert live.working_copy is None and live.latest_revision == live.live_revision
    assert list(live.revisions.values_list("state", flat=True)) == [
        Revision.State.DISCARDED,
        Revision.State.DISCARDED,
        Revision.State.PUBLISHED,
    ]
    assert edit(live, clinician_user, title="A fresh start").number == 4


def test_discarding_with_nothing_to_discard_is_refused(live, clinician_user):
    with pytest.raises(ValidationError, match="no unpublished changes"):
        live.discard_changes(clinician_user)


def test_going_back_to_a_revision_makes_a_new_one_that_needs_approval(
    live, clinician_user, reviewer_user
):
    first = live.live_revision
    signed_off(live, clinician_user, reviewer_user, title="Second title").publish(clinician_user)

    restored = live.revert_to(first, clinician_user)

    assert restored.number == 3 and restored.state == Revision.State.DRAFT
    assert restored.content["title"] == "Facet joints explained"
    assert restored.note == "Back to revision 1"
    live.refresh_from_db()
    assert live.title == "Second title"  # patients keep it until approved


def test_going_back_keeps_the_restored_texts_writers_for_the_four_eyes_rule(
    live, clinician_user, reviewer_user, second_reviewer_user
):
    # The reviewer wrote revision 2; the clinician's revision 3 went live over it.
    reviewers_words = edit(live, reviewer_user, title="The reviewer's words")
    signed_off(live, clinician_user, second_reviewer_user, title="Other words").publish(
        clinician_user
    )

    restored = live.revert_to(reviewers_words, clinician_user)
    restored.submit_for_review(clinician_user)

    assert restored.content["title"] == "The reviewer's words"
    assert restored.writers() == {reviewer_user.pk, clinician_user.pk}
    assert "You wrote part" in restored.refusal_to_approve(reviewer_user)
    with pytest.raises(ValidationError, match="You wrote part"):
        restored.approve(reviewer_user)
    # The list of what waits for them agrees with the approval rule.
    assert live not in Article.objects.waiting_for_review_by(reviewer_user)
    assert live in Article.objects.waiting_for_review_by(second_reviewer_user)
    restored.approve(second_reviewer_user)


def test_going_back_twice_still_keeps_the_first_writers(
    live, clinician_user, reviewer_user, second_reviewer_user
):
    reviewers_words = edit(live, reviewer_user, title="The reviewer's words")
    edit(live, clinician_user, title="Other words")
    once = live.revert_to(reviewers_words, clinician_user)
    signed_off(live, clinician_user, second_reviewer_user, title="Published words").publish(
        clinician_user
    )

    # A second reverter goes back to the first revert: still the reviewer's words.
    twice = live.revert_to(once, second_reviewer_user)
    twice.submit_for_review(second_reviewer_user)

    assert reviewer_user.pk in twice.writers()
    assert "You wrote part" in twice.refusal_to_approve(reviewer_user)
    assert live not in Article.objects.waiting_for_review_by(reviewer_user)


def test_unpublishing_takes_the_article_off_and_it_can_go_back(live, clinician_user, client):
    live.unpublish(clinician_user)
    assert client.get(live.get_absolute_url()).status_code == 404

    live.live_revision.publish(clinician_user)
    live.refresh_from_db()
    assert live.is_live


# Waiting for review, falling due


def test_waiting_for_my_review_leaves_out_my_own_writing(
    live, clinician_user, reviewer_user, second_reviewer_user
):
    other = make_article("Written by the reviewer")
    other.ensure_first_revision()
    edit(live, clinician_user, title="For review").submit_for_review(clinician_user)
    edit(other, reviewer_user, title="Mine").submit_for_review(reviewer_user)

    assert list(Article.objects.waiting_for_review_by(reviewer_user)) == [live]
    assert set(Article.objects.waiting_for_review_by(second_reviewer_user)) == {live, other}


@pytest.mark.parametrize(
    ("today", "months", "due_before"),
    [
        (date(2026, 12, 1), 12, date(2025, 12, 1)),
        (date(2028, 2, 29), 12, date(2027, 2, 28)),
        (date(2027, 3, 31), 1, date(2027, 2, 28)),
        (date(2027, 1, 15), 6, date(2026, 7, 15)),
    ],
)
def test_review_falls_due_after_the_set_number_of_months(monkeypatch, today, months, due_before):
    monkeypatch.setattr(timezone, "localdate", lambda *args: today)
    with override_settings(ARTICLE_REVIEW_MONTHS=months):
        assert review_due_before() == due_before


def test_without_a_worker_scheduling_is_refused_not_lost(live, clinician_user, reviewer_user):
    revision = signed_off(live, clinician_user, reviewer_user, title="Later")

    with pytest.raises(ValidationError, match="no background worker"):
        revision.publish(clinician_user, at=timezone.now() + timedelta(hours=1))
    revision.refresh_from_db()
    assert revision.go_live_at is None and revision.state == Revision.State.APPROVED


def test_revisions_keep_ids_that_json_can_hold(live, clinician_user, topic):
    revision = edit(live, clinician_user, title="x")

    assert json.loads(json.dumps(revision.content)) == revision.content
    assert revision.content["topics"] == [topic.pk]


def test_an_article_with_revisions_can_be_deleted(live, clinician_user, reviewer_user):
    signed_off(live, clinician_user, reviewer_user, title="Approved").publish(clinician_user)
    edit(live, clinician_user, title="Working copy")

    live.delete()

    assert not Revision.objects.exists()
