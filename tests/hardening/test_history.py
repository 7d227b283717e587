"""Every staff change to a request or an article is in its history with the user
(issue 6), made through the admin as staff make it.

Already proven elsewhere: the change form and "assign to me" on requests
(tests/appointments/test_admin.py::test_logging_a_contact_attempt_stamps_staff_and_first_contact,
::test_assign_to_me_records_who_did_it, ::test_history_shows_who_changed_what); editing,
unpublishing and reverting articles (tests/education/test_admin.py::
test_history_records_who_changed_the_article, ::test_actions_are_recorded_with_the_user,
::test_clinicians_can_revert_to_an_earlier_version). The purge deletes history rows too
(tests/appointments/test_commands.py::test_delete_removes_old_finished_requests_with_their_history).
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse
from django.utils import timezone

from appointments.models import AppointmentRequest
from education.models import Article
from tests.appointments.conftest import make_location, make_request
from tests.education.conftest import make_article, make_reviewer, make_topic
from tests.education.test_admin import form_data as article_form

pytestmark = pytest.mark.django_db

REQUESTS = "/admin/appointments/appointmentrequest/"
ARTICLES = reverse("admin:education_article_changelist")


@pytest.mark.parametrize("status", ["contacted", "scheduled", "declined", "closed", "spam"])
def test_each_status_action_is_in_the_history_with_who_did_it(
    front_desk_client, front_desk_user, status
):
    # Scheduled needs a booking (issue 11): date, time and location.
    booking = {
        "appointment_at": timezone.now() + timedelta(days=1),
        "appointment_location": make_location(),
    }
    appointment_request = make_request(**(booking if status == "scheduled" else {}))

    front_desk_client.post(
        REQUESTS, {"action": f"mark_{status}", "_selected_action": [appointment_request.pk]}
    )

    latest = appointment_request.history.first()
    assert (latest.status, latest.history_user) == (status, front_desk_user)


def test_a_contact_attempt_is_in_its_own_history_with_who_logged_it(
    front_desk_client, front_desk_user
):
    appointment_request = make_request()
    now = timezone.localtime()

    front_desk_client.post(
        appointment_request.get_admin_url(),
        {
            "status": "new",
            "assigned_to": "",
            "notes": "",
            "contact_attempts-TOTAL_FORMS": "1",
            "contact_attempts-INITIAL_FORMS": "0",
            "contact_attempts-MIN_NUM_FORMS": "0",
            "contact_attempts-MAX_NUM_FORMS": "1000",
            "contact_attempts-0-when_0": now.strftime("%Y-%m-%d"),
            "contact_attempts-0-when_1": now.strftime("%H:%M:%S"),
            "contact_attempts-0-method": "phone",
            "contact_attempts-0-outcome": "no_answer",
            "contact_attempts-0-note": "",
        },
    )

    attempt = appointment_request.contact_attempts.get()
    assert attempt.history.first().history_user == front_desk_user


def test_a_request_deleted_by_the_manager_is_logged_with_who_and_only_its_reference(
    manager_client, manager_user
):
    """Deleting a request deletes its history too (no patient data may stay behind):
    the admin's log keeps who deleted which reference."""
    appointment_request = make_request()

    response = manager_client.post(f"{REQUESTS}{appointment_request.pk}/delete/", {"post": "yes"})

    assert response.status_code == HTTPStatus.FOUND
    assert not AppointmentRequest.history.filter(id=appointment_request.pk).exists()
    entry = LogEntry.objects.get(action_flag=DELETION)
    assert entry.user == manager_user
    assert entry.object_repr == appointment_request.reference


def test_a_new_article_is_in_its_history_with_who_wrote_it(clinician_client, clinician_user):
    topic = make_topic()

    clinician_client.post(reverse("admin:education_article_add"), article_form(topic))

    created = Article.objects.get().history.last()
    assert (created.history_type, created.history_user) == ("+", clinician_user)


def test_publishing_an_article_is_in_its_history_with_who_published_it(
    clinician_client, clinician_user, django_user_model
):
    draft = make_article("Pain diaries", published=False)
    draft.ensure_first_revision()
    draft.latest_revision.submit_for_review(clinician_user)
    draft.latest_revision.approve(make_reviewer(django_user_model))

    clinician_client.post(ARTICLES, {"action": "publish_selected", "_selected_action": [draft.pk]})

    latest = draft.history.first()
    assert (latest.status, latest.history_user) == (Article.Status.PUBLISHED, clinician_user)
    assert latest.history_change_reason == "Published revision 1"


def test_changing_an_articles_topics_is_in_its_history_with_the_user(
    clinician_client, clinician_user
):
    first, second = make_topic("Facet joints"), make_topic("Sciatica")
    draft = make_article("Pain diaries", topics=[first], published=False)

    clinician_client.post(
        reverse("admin:education_article_change", args=[draft.pk]),
        article_form(first, slug=draft.slug, title=draft.title, topics=[first.pk, second.pk]),
    )

    latest = draft.history.first()
    assert latest.history_user == clinician_user
    assert {topic.topic_id for topic in latest.topics.all()} == {first.pk, second.pk}


def test_a_deleted_article_is_in_its_history_with_who_deleted_it(clinician_client, clinician_user):
    draft = make_article("Pain diaries", published=False)

    response = clinician_client.post(
        reverse("admin:education_article_delete", args=[draft.pk]), {"post": "yes"}
    )

    assert response.status_code == HTTPStatus.FOUND
    deleted = Article.history.filter(id=draft.pk).first()
    assert (deleted.history_type, deleted.history_user) == ("-", clinician_user)
