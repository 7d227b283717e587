"""Emails after a request: only after the commit, no patient data, failures kept and retried."""

from http import HTTPStatus
from io import StringIO

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone

from appointments.models import AppointmentRequest
from appointments.notifications import send_notifications
from tests.appointments.conftest import REQUEST_URL, form_data, make_request

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def mail_up(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def submit(client, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(REQUEST_URL, form_data(**overrides), follow=True)
    return response, callbacks


def test_front_desk_gets_reference_location_and_admin_link_only(
    client, location, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.FRONT_DESK_EMAILS = ["desk@clinic.example", "lead@clinic.example"]
    settings.SITE_URL = "https://clinic.example"
    submit(client, django_capture_on_commit_callbacks)
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


def test_patient_gets_reference_and_next_steps_only(
    client, location, mailoutbox, settings, django_capture_on_commit_callbacks
):
    submit(client, django_capture_on_commit_callbacks)
    saved = AppointmentRequest.objects.get()

    patient = next(m for m in mailoutbox if m.to == ["dana@example.com"])
    assert saved.reference in patient.subject
    assert saved.reference in patient.body
    assert "within one business day" in patient.body
    assert settings.CLINIC_PHONE in patient.body
    for secret in PATIENT_DATA:
        assert secret not in patient.subject + patient.body, secret


def test_no_patient_email_without_an_address(
    client, location, mailoutbox, django_capture_on_commit_callbacks
):
    submit(client, django_capture_on_commit_callbacks, email="")

    assert len(mailoutbox) == 1
    assert AppointmentRequest.objects.get().notification_status == "sent"


def test_emails_wait_for_the_commit(
    client, location, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(REQUEST_URL, form_data())

    assert mailoutbox == []  # nothing sent while the transaction could still roll back
    assert len(callbacks) == 1


def test_success_is_recorded(client, location, mailoutbox, django_capture_on_commit_callbacks):
    submit(client, django_capture_on_commit_callbacks)

    saved = AppointmentRequest.objects.get()
    assert saved.notification_status == AppointmentRequest.Notification.SENT
    assert saved.front_desk_notified_at is not None
    assert saved.patient_notified_at is not None
    assert saved.notification_error == ""


def test_mail_failure_keeps_the_request_shows_success_and_records_it(
    client, location, mail_down, django_capture_on_commit_callbacks, caplog
):
    response, _ = submit(client, django_capture_on_commit_callbacks)

    assert response.status_code == HTTPStatus.OK
    assert "We have your request" in response.text
    saved = AppointmentRequest.objects.get()
    assert saved.reference in response.text
    assert saved.notification_status == AppointmentRequest.Notification.FAILED
    assert "mail server unreachable" in saved.notification_error
    assert saved.front_desk_notified_at is None
    # The log names the request, not the patient.
    assert saved.reference in caplog.text
    for secret in PATIENT_DATA:
        assert secret not in caplog.text


def test_failure_is_visible_in_the_admin(
    client, location, mail_down, django_capture_on_commit_callbacks, front_desk_user
):
    submit(client, django_capture_on_commit_callbacks)
    saved = AppointmentRequest.objects.get()
    client.force_login(front_desk_user)

    listing = client.get("/admin/appointments/appointmentrequest/")
    detail = client.get(saved.get_admin_url())

    assert "Email failed" in listing.text
    assert "mail server unreachable" in detail.text


def test_retry_command_sends_what_failed(
    client, location, mail_down, django_capture_on_commit_callbacks, settings, mailoutbox
):
    submit(client, django_capture_on_commit_callbacks)
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

    out = StringIO()
    call_command("send_pending_notifications", stdout=out)

    saved = AppointmentRequest.objects.get()
    assert saved.notification_status == AppointmentRequest.Notification.SENT
    assert saved.notification_error == ""
    assert len(mailoutbox) == 2
    assert "sent for 1 request" in out.getvalue()


def test_retry_command_reports_continued_failure(location, mail_down):
    appointment_request = make_request(notification_status="failed")

    err = StringIO()
    call_command("send_pending_notifications", stdout=StringIO(), stderr=err)

    appointment_request.refresh_from_db()
    assert appointment_request.notification_status == "failed"
    assert "Still failing for 1" in err.getvalue()


def test_retry_does_not_resend_what_already_went_out(location, mailoutbox, mail_up):
    already = timezone.now()
    make_request(
        email="dana@example.com", notification_status="failed", front_desk_notified_at=already
    )

    call_command("send_pending_notifications", stdout=StringIO())

    assert [m.to for m in mailoutbox] == [["dana@example.com"]]


def test_retry_leaves_brand_new_pending_requests_to_their_own_send(location, mailoutbox, mail_up):
    make_request()  # pending, just created: its on_commit send is under way

    call_command("send_pending_notifications", stdout=StringIO())

    assert mailoutbox == []


def test_retry_picks_up_pending_requests_whose_send_never_ran(location, mailoutbox, mail_up):
    make_request(created=timezone.now() - timezone.timedelta(hours=1))

    call_command("send_pending_notifications", stdout=StringIO())

    assert len(mailoutbox) == 1


def test_send_notifications_never_raises(location, mail_down):
    appointment_request = make_request()

    assert send_notifications(appointment_request.pk) is False
