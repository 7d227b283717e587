"""The scale benchmark's data generator (clinic/scale_data.py), at a small size: rows
that the site's own code reads as it reads real ones."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import AppointmentRequest, ContactAttempt
from clinic.scale_data import generate
from core.models import Email

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    now = timezone.now()
    return now, generate(requests=800, years=2, seed=1, now=now)


def test_it_writes_requests_with_call_logs_emails_and_history(generated):
    _, written = generated
    requests = AppointmentRequest.objects.count()

    assert requests == written["appointments_appointmentrequest"] == 800
    assert 1.5 < ContactAttempt.objects.count() / requests < 2.5
    assert ContactAttempt.history.count() == ContactAttempt.objects.count()
    assert Email.objects.filter(reference__startswith="AR-").count() == requests
    assert AppointmentRequest.history.count() > 2 * requests
    # Every request's history starts with its creation.
    assert AppointmentRequest.history.filter(history_type="+").count() == requests


def test_statuses_follow_age_and_one_patient_in_five_writes_in_spanish(generated):
    now, _ = generated
    requests = AppointmentRequest.objects
    old = Counter(
        requests.filter(created__lt=now - timedelta(days=60)).values_list("status", flat=True)
    )
    recent = requests.filter(created__gte=now - timedelta(days=14))

    assert "new" not in old and "contacted" not in old
    assert old["scheduled"] > old["closed"] > old["spam"] > 0
    assert recent.filter(status__in=("new", "contacted")).exists()
    spanish = requests.filter(language="es").count() / requests.count()
    assert 0.15 < spanish < 0.25


def test_rows_are_what_the_site_itself_would_have_written(generated):
    for appointment_request in AppointmentRequest.objects.all()[:300]:
        appointment_request.full_clean(exclude=["reference"])  # the form's own rules
        assert appointment_request.phone_digits == appointment_request.phone.removeprefix("+")
        if appointment_request.status == "scheduled":
            assert appointment_request.has_booking
        attempts = list(appointment_request.contact_attempts.all())
        if appointment_request.status not in ("new", "spam"):
            assert attempts and attempts[-1].outcome == "reached"


def test_it_adds_to_what_is_there(generated):
    generate(requests=10, seed=2)

    assert AppointmentRequest.objects.count() == 810
    assert AppointmentRequest.objects.values("reference").distinct().count() == 810
