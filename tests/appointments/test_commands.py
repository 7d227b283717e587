"""Retention: purge_requests is a dry run unless told --delete."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import AppointmentRequest, ContactAttempt
from tests.appointments.conftest import make_request

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

LONG_AGO = timezone.now() - timezone.timedelta(days=400)


def age(appointment_request, when=LONG_AGO):
    AppointmentRequest.objects.filter(pk=appointment_request.pk).update(updated=when)


@pytest.fixture
def old_and_new(settings):
    settings.REQUEST_RETENTION_DAYS = 365
    expired = []
    for status in ("closed", "declined", "spam"):
        appointment_request = make_request(status=status)
        ContactAttempt.objects.create(appointment_request=appointment_request, outcome="reached")
        age(appointment_request)
        expired.append(appointment_request)
    still_open = make_request(status="contacted")
    age(still_open)
    recent_closed = make_request(status="closed")
    return expired, [still_open, recent_closed]


def run(*args):
    out = StringIO()
    call_command("purge_requests", *args, stdout=out)
    return out.getvalue()


def test_dry_run_says_what_it_would_delete_and_deletes_nothing(old_and_new):
    output = run()

    assert "Dry run: would delete 3 request(s)" in output
    assert "declined: 1, closed: 1, spam: 1" in output
    assert "--delete" in output
    assert AppointmentRequest.objects.count() == 5


def test_delete_removes_old_finished_requests_with_their_history(old_and_new):
    expired, kept = old_and_new
    expired_ids = [appointment_request.pk for appointment_request in expired]

    output = run("--delete")

    assert "Deleted 3 request(s)" in output
    assert set(AppointmentRequest.objects.all()) == set(kept)
    assert not AppointmentRequest.history.filter(id__in=expired_ids).exists()
    assert not ContactAttempt.objects.filter(appointment_request_id__in=expired_ids).exists()
    assert not ContactAttempt.history.filter(appointment_request_id__in=expired_ids).exists()
    # What is kept keeps its history.
    assert AppointmentRequest.history.filter(id=kept[0].pk).exists()


def test_retention_age_comes_from_the_setting(old_and_new, settings):
    settings.REQUEST_RETENTION_DAYS = 500

    assert "would delete 0 request(s)" in run()
