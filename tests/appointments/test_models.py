"""AppointmentRequest and ContactAttempt: references, overdue, contact, duplicates."""

import re

import pytest
from django.utils import timezone

from appointments.models import AppointmentRequest, ContactAttempt
from tests.appointments.conftest import make_location, make_request

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HOUR = timezone.timedelta(hours=1)


def test_reference_is_short_and_easy_to_read_over_the_phone():
    references = [make_request(phone=f"+1614555{n:04d}").reference for n in range(30)]

    for reference in references:
        assert re.fullmatch(r"AR-[0-9A-Z]{5}", reference)
        # Nothing that sounds or looks like another character when read aloud.
        assert not set(reference[3:]) & set("01OIL2Z5S8BV")


def test_references_are_unique():
    references = {make_request(phone=f"+1614555{n:04d}").reference for n in range(50)}

    assert len(references) == 50


def test_reference_collision_is_retried(monkeypatch):
    taken = make_request().reference
    proposals = iter([taken, taken, "AR-FRESH"])
    monkeypatch.setattr(
        AppointmentRequest, "new_reference", classmethod(lambda cls: next(proposals))
    )

    assert make_request().reference == "AR-FRESH"


def test_str_is_the_reference_only():
    appointment_request = make_request()

    assert str(appointment_request) == appointment_request.reference


def test_new_request_is_overdue_after_the_response_time(settings):
    settings.REQUEST_RESPONSE_HOURS = 24
    fresh = make_request(created=timezone.now() - 23 * HOUR)
    late = make_request(created=timezone.now() - 25 * HOUR)
    handled = make_request(created=timezone.now() - 25 * HOUR, status="contacted")

    assert [fresh.is_overdue, late.is_overdue, handled.is_overdue] == [False, True, False]
    assert list(AppointmentRequest.objects.overdue()) == [late]


def test_open_excludes_finished_requests():
    booked = {"appointment_at": timezone.now() + 24 * HOUR, "appointment_location": make_location()}
    open_ones = [make_request(status=status) for status in ("new", "contacted")]
    open_ones.append(make_request(status="scheduled", **booked))
    for status in ("declined", "closed", "spam"):
        make_request(status=status)

    assert set(AppointmentRequest.objects.open()) == set(open_ones)


def test_status_change_time_is_recorded():
    appointment_request = make_request()
    appointment_request.status_changed_at = None
    appointment_request.save()
    appointment_request = AppointmentRequest.objects.get()  # as loaded from the database

    appointment_request.notes = "called, busy"
    appointment_request.save()
    assert appointment_request.status_changed_at is None

    appointment_request.appointment_at = timezone.now() + 24 * HOUR
    appointment_request.appointment_location = make_location()
    appointment_request.set_status(AppointmentRequest.Status.SCHEDULED)
    assert appointment_request.status_changed_at is not None
    assert AppointmentRequest.objects.scheduled_since(timezone.now() - HOUR).count() == 1


def test_first_contact_attempt_sets_first_contacted_and_moves_new_to_contacted():
    appointment_request = make_request()
    first = timezone.now() - 2 * HOUR

    ContactAttempt.objects.create(
        appointment_request=appointment_request, when=first, outcome="no_answer"
    )
    ContactAttempt.objects.create(
        appointment_request=appointment_request, when=timezone.now(), outcome="reached"
    )

    appointment_request.refresh_from_db()
    assert appointment_request.first_contacted_at == first
    assert appointment_request.status == AppointmentRequest.Status.CONTACTED


def test_contact_attempt_leaves_a_later_status_alone():
    appointment_request = make_request(status="scheduled")

    ContactAttempt.objects.create(appointment_request=appointment_request, outcome="reached")

    appointment_request.refresh_from_db()
    assert appointment_request.status == AppointmentRequest.Status.SCHEDULED


def test_possible_duplicates_are_other_open_requests_with_the_same_phone():
    original = make_request()
    again = make_request()
    make_request(status="closed")
    make_request(phone="+16145550199")

    assert list(original.possible_duplicates()) == [again]


def test_phone_is_shown_as_people_write_it():
    assert make_request(phone="+16148675309").phone_display == "(614) 867-5309"
    assert make_request(phone="+442079460958").phone_display == "+44 20 7946 0958"
    assert make_request().phone_href == "tel:+16148675309"


def test_history_records_changes():
    appointment_request = make_request()
    appointment_request.set_status(AppointmentRequest.Status.CONTACTED)

    assert appointment_request.history.count() == 2
    assert appointment_request.history.first().status == "contacted"
