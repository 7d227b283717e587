"""Privacy over a whole flow (issue 6): a patient sends a request, the front desk signs
in, opens it, logs a call and updates it, the patient's email fails and is retried.
No patient value may appear in any log record, email, URL or cookie along the way.

Already proven elsewhere: sensitive_post_parameters on the form view
(tests/appointments/test_request_form.py::test_post_values_are_hidden_from_error_reports)
and the content of each email (tests/appointments/test_notifications.py).
"""

import logging
import smtplib
from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.http import HttpRequest
from django.utils import timezone

from appointments.models import AppointmentRequest
from core.models import Email
from tests.appointments.conftest import REQUEST_URL, make_article
from tests.clients import BrowserClient

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/appointments/appointmentrequest/"

PATIENT_FORM = {
    "first_name": "Quillon",
    "last_name": "Marchetti-Vance",
    "date_of_birth": "1956-04-12",
    "phone": "(614) 867-5309",
    "email": "quillon.mv@example.net",
    "preferred_contact": "email",
    "preferred_days": ["tue"],
    "preferred_time": "afternoon",
    "is_new_patient": "no",
    "reason": "Sciatica flare after a gardening fall",
    "treatments_tried": "Epidural in Dayton last spring",
    "referring_provider": "Dr. Okonkwo-Hale",
    "insurance": "Buckeye Mutual Gold",
    "consent": "on",
    "website": "",
}

# Every way the patient's details could be written down, compared case-insensitively.
PATIENT_VALUES = [
    "Quillon",
    "Marchetti",
    "quillon.mv@example.net",
    "quillon.mv",
    "quillon.mv%40example.net",
    "(614) 867-5309",
    "%28614%29",
    "614-867-5309",
    "614.867.5309",
    "614 867 5309",
    "6148675309",
    "+16148675309",
    "867-5309",
    "867 5309",
    "8675309",
    "1956-04-12",
    "04/12/1956",
    "4/12/1956",
    "April 12, 1956",
    "Apr. 12, 1956",
    "12.04.1956",
    "Sciatica",
    "gardening fall",
    "Epidural in Dayton",
    "Okonkwo",
    "Buckeye Mutual",
]


def patient_values_in(text):
    lowered = str(text).lower()
    return [value for value in PATIENT_VALUES if value.lower() in lowered]


class RefusesPatientAddressesBackend(locmem.EmailBackend):
    """A mail server that takes the front desk's email but refuses the patient's, naming
    the address in its error, as SMTP servers do."""

    def send_messages(self, messages):
        for message in messages:
            refused = [
                a for a in message.recipients() if a not in django_settings.FRONT_DESK_EMAILS
            ]
            if refused:
                raise smtplib.SMTPRecipientsRefused(
                    {
                        address: (550, f"5.1.1 <{address}>: mailbox unavailable")
                        for address in refused
                    }
                )
        return super().send_messages(messages)


class RecordingClient(BrowserClient):
    """A test client that keeps every response, redirects it followed included."""

    def __init__(self, responses, **defaults):
        super().__init__(**defaults)
        self.responses = responses

    def request(self, **request):
        response = super().request(**request)
        self.responses.append(response)
        return response


@dataclass
class Flow:
    responses: list = field(default_factory=list)
    emails: list = field(default_factory=list)
    log_records: list = field(default_factory=list)


def contact_attempt_post(appointment_request, staff_user):
    now = timezone.localtime()
    return {
        "status": "contacted",
        "assigned_to": staff_user.pk,
        "notes": "Left a voicemail, will try again tomorrow",
        "contact_attempts-TOTAL_FORMS": "1",
        "contact_attempts-INITIAL_FORMS": "0",
        "contact_attempts-MIN_NUM_FORMS": "0",
        "contact_attempts-MAX_NUM_FORMS": "1000",
        "contact_attempts-0-when_0": now.strftime("%Y-%m-%d"),
        "contact_attempts-0-when_1": now.strftime("%H:%M:%S"),
        "contact_attempts-0-method": "phone",
        "contact_attempts-0-outcome": "voicemail",
        "contact_attempts-0-note": "Voicemail",
    }


@pytest.fixture
def whole_flow(
    caplog, settings, location, front_desk_user, mailoutbox, django_capture_on_commit_callbacks
):
    """Returns a function that runs the flow (in the test itself, so caplog sees it all)."""

    def run():
        for logger in ("", "django", "django.request", "django.security", "axes", "appointments"):
            caplog.set_level(logging.DEBUG, logger=logger)
        settings.REQUEST_MIN_FILL_SECONDS = 0
        settings.MAILERS = {
            "default": {"BACKEND": f"{__name__}.{RefusesPatientAddressesBackend.__name__}"}
        }
        flow = Flow()
        article = make_article()

        # The patient, coming from an article.
        patient = RecordingClient(flow.responses)
        form = patient.get(
            REQUEST_URL,
            {"article": article.slug},
            headers={"referer": f"http://testserver{article.get_absolute_url()}"},
        )
        data = {**PATIENT_FORM, "article": article.slug, "form_token": form.context["form_token"]}
        with django_capture_on_commit_callbacks(execute=True):
            received = patient.post(REQUEST_URL, data, follow=True)
        assert "We have your request" in received.text
        saved = AppointmentRequest.objects.get()
        # The front desk's went out; the patient's was refused, and waits for a retry.
        statuses = dict(saved.emails().values_list("kind", "status"))
        assert statuses == {"new request: front desk": "sent", "new request: patient": "waiting"}

        # The front desk signs in, finds it by its reference, logs a call, updates it.
        staff = RecordingClient(flow.responses)
        staff.post(
            "/admin/login/?next=/admin/",
            {"username": front_desk_user.username, "password": "a-long-test-password"},
            follow=True,
        )
        staff.get(LIST_URL)
        staff.get(LIST_URL, {"q": saved.reference})
        staff.get(saved.get_admin_url())
        updated = staff.post(
            saved.get_admin_url(), contact_attempt_post(saved, front_desk_user), follow=True
        )
        assert updated.redirect_chain, "the change was not saved"
        staff.get(f"{LIST_URL}{saved.pk}/history/")
        staff.post(LIST_URL, {"action": "export_csv", "_selected_action": [saved.pk]})
        staff.post("/admin/logout/", follow=True)

        # The mail server takes the patient's address again; the sweep sends it.
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        saved.emails().update(next_try_at=timezone.now() - timezone.timedelta(hours=1))
        call_command("requeue_stuck_emails", stdout=StringIO(), stderr=StringIO())
        assert set(saved.emails().values_list("status", flat=True)) == {Email.Status.SENT}
        assert saved.contact_attempts.count() == 1

        flow.emails = list(mailoutbox)
        flow.log_records = list(caplog.records)
        return flow

    return run


def test_no_patient_data_in_any_log_record(whole_flow):
    flow = whole_flow()
    formatter = logging.Formatter()

    assert flow.log_records  # the flow did log: the request, the failed email
    for record in flow.log_records:
        text = record.getMessage()
        if record.exc_info:
            text += formatter.formatException(record.exc_info)
        text += repr(getattr(record, "request", ""))
        assert not patient_values_in(text), f"{record.name}: {text}"


def test_no_patient_data_in_any_email(whole_flow):
    flow = whole_flow()

    assert len(flow.emails) == 2  # the front desk's, then the patient's on the retry
    for message in flow.emails:
        headers = [
            f"{name}: {value}"
            for name, value in message.message().items()
            if not (name == "To" and message.to == [PATIENT_FORM["email"]])  # their own
        ]
        for text in (message.subject, message.body, *headers):
            assert not patient_values_in(text), text


def test_no_patient_data_in_any_url(whole_flow):
    flow = whole_flow()

    for response in flow.responses:
        url = response.request["PATH_INFO"] + "?" + response.request.get("QUERY_STRING", "")
        assert not patient_values_in(url), url
        if "Location" in response:
            assert not patient_values_in(response["Location"]), response["Location"]


def test_no_patient_data_in_any_cookie(whole_flow):
    flow = whole_flow()
    messages = CookieStorage(HttpRequest())

    names = set()
    for response in flow.responses:
        for name, morsel in response.cookies.items():
            names.add(name)
            assert not patient_values_in(morsel.value), name
            if name == "messages" and morsel.value:
                for message in messages._decode(morsel.value) or []:
                    assert not patient_values_in(message.message), message.message
    # The patient's (the form's and the received page's) and the staff's were all checked.
    assert {"csrftoken", "request_received", "sessionid", "messages"} <= names, names
