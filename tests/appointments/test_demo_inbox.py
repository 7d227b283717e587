"""seed_demo's inbox: a working week of fictitious requests, the same after a rerun."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from appointments.models import AppointmentRequest
from appointments.models.bookings import clinic_date

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_seed_demo_makes_a_working_week_of_fictitious_requests_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    first = set(AppointmentRequest.objects.values_list("reference", flat=True))

    call_command("seed_demo", stdout=StringIO())

    requests = AppointmentRequest.objects.all()
    assert set(requests.values_list("reference", flat=True)) == first
    assert requests.count() >= 10
    assert {r.status for r in requests} == set(AppointmentRequest.Status.values)
    assert all(r.phone.startswith("+161455501") for r in requests)
    assert all(r.email.endswith("@example.org") for r in requests if r.email)
    today = clinic_date()
    assert requests.overdue().exists()
    assert requests.call_back_due_today().exists()
    assert requests.unable_to_reach().exists()
    assert requests.filter(contact_attempts__isnull=False).distinct().count() >= 5
    tomorrow = today + timedelta(days=1)
    assert AppointmentRequest.objects.booked_between(tomorrow, tomorrow).count() == 1
    assert AppointmentRequest.objects.booked_between(today, today).exists()
    assert any(r.possible_duplicates().exists() for r in requests)
    assert requests.filter(assigned_to__username="frontdesk").exists()
