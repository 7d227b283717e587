"""Emails after a request: queued in the outbox with the request, no patient data,
failures kept, retried later and visible. (Tasks run at once here; the worker itself,
a real SMTP server and killed workers are in tests/core/test_outbox_worker.py.)"""

from datetime import timedelta
from http import HTTPStatus
from io import StringIO
from itertools import pairwise

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from appointments.models import AppointmentRequest
from appointments.notifications import queue_notifications
from core.models import RETRY_DELAYS, Email
from tests.appointments.conftest import REQUEST_URL, form_data, make_request

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

PATIENT_DATA = ("Dana", "Whitfield", "8675309", "867-5309", "1956", "Lower back pain", "Acme")


class FailingEmailBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server unreachable")


@pytest.fixture
def mail_down(settings):
    settings.MAILERS = {
        "default": {"BACKEND": "tests.appointments.test_notifications.FailingEmailBackend"}
    }


def mail_up(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def submit(client, **overrides):
    return client.post(REQUEST_URL, form_data(**overrides), follow=True)


def test_front_desk_gets_reference_location_and_admin_link_only(
    client, location, mailoutbox, settings
):
    settings.FRONT_DESK_EMAILS = ["desk@clinic.example", "lead@clinic.example"]
    settings.SITE_URL = "https://clinic.example"
    submit(client)
    saved = AppointmentRequest.objects.get()

    desk = next(m for m in mailoutbox if "desk@clinic.example" in m.to)
    assert desk.to == ["desk@clinic.example", "lead@clinic.example"]
    assert saved.reference in desk.subject
    assert "Riverside" in desk.body
    assert f"https://clinic.example/admin/appointments/appointmentrequest/{saved.pk}/change/" in (
        desk.body
    )
    for secret in [*PATIENT_DATA, "dana@example.com"]:
        assert secret not in desk.subject + desk.body, secret


def test_patient_gets_reference_and_next_steps_only(client, location, mailoutbox, settings):
    submit(client)
    saved = AppointmentRequest.objects.get()

    patient = next(m for m in mailoutbox if m.to == ["dana@example.com"])
    assert saved.reference in patient.subject
    assert saved.reference in patient.body
    assert "within one business day" in patient.body
    assert settings.CLINIC_PHONE in patient.body
    for secret in PATIENT_DATA:
        assert secret not in patient.subject + patient.body, secret


def test_no_patient_email_without_an_address(client, location, mailoutbox):
    submit(client, email="")

    assert len(mailoutbox) == 1
    assert list(Email.objects.values_list("kind", "status")) == [
        ("new request: front desk", "sent")
    ]


def test_each_email_carries_one_message_id_on_every_try(client, location, mailoutbox):
    submit(client)

    ids = {m.extra_headers["Message-ID"] for m in mailoutbox}
    assert len(ids) == 2
    assert {email.message_id for email in Email.objects.all()} == ids


def test_the_emails_are_stored_with_the_request_or_not_at_all(location):
    # The request's transaction fails after queueing: neither request nor emails stay.
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_notifications(make_request(email="dana@example.com"))
        raise RuntimeError("the rest of the request failed")

    assert not AppointmentRequest.objects.exists()
    assert not Email.objects.exists()


def test_success_is_recorded(client, location, mailoutbox):
    submit(client)

    saved = AppointmentRequest.objects.get()
    assert [email.status for email in saved.emails()] == ["sent", "sent"]
    assert all(email.sent_at and email.tries == 1 for email in saved.emails())


def test_mail_failure_keeps_the_request_shows_success_and_retries_later(
    client, location, mail_down, caplog
):
    response = submit(client)

    assert response.status_code == HTTPStatus.OK
    assert "We have your request" in response.text
    saved = AppointmentRequest.objects.get()
    assert saved.reference in response.text
    for email in saved.emails():
        assert email.status == Email.Status.WAITING  # it will be tried again
        assert email.tries == 1
        assert "mail server unreachable" in email.last_error
        assert email.next_try_at - timezone.now() <= RETRY_DELAYS[0]
    # The log names the request, not the patient.
    assert saved.reference in caplog.text
    for secret in [*PATIENT_DATA, "dana@example.com"]:
        assert secret not in caplog.text


def test_the_delays_grow_and_stop_after_about_a_day():
    assert RETRY_DELAYS[0] <= timedelta(minutes=1)
    assert all(a < b for a, b in pairwise(RETRY_DELAYS))
    assert timedelta(hours=20) <= sum(RETRY_DELAYS, timedelta()) <= timedelta(hours=30)


def test_after_the_last_try_the_email_shows_as_failed(location, mail_down):
    email = queue_one()
    for _ in RETRY_DELAYS:
        call_deliver(email)

    email.refresh_from_db()
    assert email.tries == len(RETRY_DELAYS) + 1
    assert email.status == Email.Status.FAILED


def test_failure_is_visible_in_the_admin(client, location, mail_down, front_desk_user):
    submit(client)
    saved = AppointmentRequest.objects.get()
    Email.objects.update(status=Email.Status.FAILED)
    client.force_login(front_desk_user)

    listing = client.get("/admin/appointments/appointmentrequest/")
    detail = client.get(saved.get_admin_url())

    assert "Email failed" in listing.text
    assert "mail server unreachable" in detail.text


def test_the_front_desk_can_send_a_failed_email_again(
    client, location, mail_down, front_desk_user, settings, mailoutbox
):
    submit(client, email="")
    email = Email.objects.get()
    Email.objects.update(status=Email.Status.FAILED)
    mail_up(settings)
    client.force_login(front_desk_user)

    response = client.post(
        "/admin/core/email/", {"action": "send_selected_again", "_selected_action": [email.pk]}
    )

    assert response.status_code == HTTPStatus.FOUND
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert len(mailoutbox) == 1


def test_clinicians_never_see_the_outbox(clinician_client):
    assert clinician_client.get("/admin/core/email/").status_code == HTTPStatus.FORBIDDEN


def test_the_sweep_queues_stuck_emails_again_and_sends_each_once(location, settings, mailoutbox):
    email = queue_one(settings=settings, down=True)  # stays waiting after a failure
    Email.objects.filter(pk=email.pk).update(next_try_at=timezone.now() - timedelta(hours=1))
    mail_up(settings)

    out = StringIO()
    call_command("requeue_stuck_emails", stdout=out)
    call_command("requeue_stuck_emails", stdout=StringIO())

    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert len(mailoutbox) == 1
    assert "1 stuck email(s) queued again" in out.getvalue()


def test_the_sweep_leaves_an_email_whose_time_has_not_come(location, mail_down, mailoutbox):
    queue_one()  # failed once; its next try is in 30 s

    out = StringIO()
    call_command("requeue_stuck_emails", stdout=out)

    assert "0 stuck" in out.getvalue()
    assert Email.objects.get().tries == 1


def test_delivering_an_email_already_sent_sends_nothing(location, mailoutbox):
    email = queue_one()
    assert len(mailoutbox) == 1

    call_deliver(email)

    assert len(mailoutbox) == 1


def queue_one(settings=None, down=False):
    if down:
        settings.MAILERS = {
            "default": {"BACKEND": "tests.appointments.test_notifications.FailingEmailBackend"}
        }
    from core.outbox import send_later

    return send_later(kind="test", to=["desk@clinic.example"], subject="Test AR-3", body="Hi")


def call_deliver(email):
    from core.outbox import deliver

    deliver.call(email.pk)
