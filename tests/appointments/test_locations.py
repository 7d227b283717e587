"""The locations page: directions, click-to-call, and "Open now" in the clinic's time
zone, right under the page cache."""

from datetime import datetime, time, timedelta
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.demo import seed_locations
from appointments.models import Location, OpeningHours
from appointments.models.locations import next_opening_change
from core import edge_cache

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

CLINIC = ZoneInfo("America/New_York")


def at(year, month, day, hour, minute=0):
    """An instant given in the clinic's local time."""
    return datetime(year, month, day, hour, minute, tzinfo=CLINIC)


@pytest.fixture
def riverside(db):
    seed_locations()  # Riverside: Monday to Friday, 8 a.m. to 5 p.m.
    return Location.objects.prefetch_related("opening_hours").get(slug="riverside")


def test_hours_are_shown_with_days_run_together(riverside):
    assert riverside.weekly_hours() == [
        ("Monday to Friday", "8 a.m. to 5 p.m."),
        ("Saturday and Sunday", "Closed"),
    ]


@pytest.mark.parametrize(
    ("moment", "open_now"),
    [
        (at(2026, 12, 1, 8, 0), True),  # Tuesday, opening time
        (at(2026, 12, 1, 16, 59), True),
        (at(2026, 12, 1, 17, 0), False),  # closing time
        (at(2026, 12, 1, 7, 59), False),
        (at(2026, 12, 5, 10, 0), False),  # Saturday
        # 02:30 UTC on Wednesday is still Tuesday 21:30 in Columbus: closed.
        (datetime(2026, 12, 2, 2, 30, tzinfo=ZoneInfo("UTC")), False),
        # 14:30 UTC on the spring-forward Monday (March 8, 2027) is 10:30 EDT: open.
        (datetime(2027, 3, 8, 14, 30, tzinfo=ZoneInfo("UTC")), True),
    ],
)
def test_open_now_is_judged_in_the_clinics_time_zone(riverside, moment, open_now):
    assert riverside.is_open_at(moment) is open_now


def test_the_next_change_is_the_next_opening_or_closing(riverside):
    Location.objects.exclude(pk=riverside.pk).delete()

    assert next_opening_change(at(2026, 12, 1, 12, 0)) == at(2026, 12, 1, 17, 0)
    assert next_opening_change(at(2026, 12, 1, 17, 0)) == at(2026, 12, 2, 8, 0)
    # Friday evening: Monday morning.
    assert next_opening_change(at(2026, 12, 4, 18, 0)) == at(2026, 12, 7, 8, 0)


def test_a_kept_locations_page_expires_when_a_location_opens_or_closes(riverside, monkeypatch):
    soon = timezone.now() + timedelta(seconds=40)
    monkeypatch.setitem(edge_cache._scheduled_changes, "appointments.opening-hours", lambda: soon)

    assert edge_cache.seconds_to_keep() <= 41


def test_the_opening_hours_hook_is_registered(riverside):
    hook = edge_cache._scheduled_changes["appointments.opening-hours"]

    assert hook() == next_opening_change()


def test_the_page_has_directions_a_call_button_and_open_or_closed(client, riverside):
    response = client.get("/locations/")

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert 'href="https://www.google.com/maps/search/?api=1&amp;query=Riverside' in html
    assert 'href="tel:+16145550142">Call (614) 555-0142</a>' in html
    expected = "Open now" if riverside.is_open_at(timezone.now()) else "Closed now"
    assert expected in html
    assert '<th scope="row">Monday to Friday</th><td>8 a.m. to 5 p.m.</td>' in html
    assert "Closed on public holidays." in html


def test_a_location_without_opening_hours_shows_its_note_and_no_open_now(client):
    Location.objects.create(name="Eastside", slug="eastside", address="1 Main St", phone="1")

    html = client.get("/locations/").content.decode()

    assert "Eastside" in html
    assert "Open now" not in html and "Closed now" not in html


def test_closing_time_must_follow_opening_time(riverside):
    from django.core.exceptions import ValidationError

    hours = OpeningHours(location=riverside, weekday=0, opens=time(17), closes=time(9))
    with pytest.raises(ValidationError):
        hours.full_clean()


def test_the_page_runs_a_fixed_number_of_queries(client, riverside):
    for n in range(10):
        seed = Location.objects.create(name=f"L{n}", slug=f"l{n}", address="x", phone="1")
        OpeningHours.objects.create(location=seed, weekday=0, opens=time(8), closes=time(9))
    edge_cache.cache.clear()

    with CaptureQueriesContext(connection) as queries:
        client.get("/locations/")

    # Closures add two: the page's prefetch, and their dates for when the page changes.
    assert len(queries) <= 7


# Closures (issue 27): dated, per location, in both languages, and "Open now" knows.


def close_riverside(riverside, first, last=None):
    from appointments.models import Closure

    Closure.objects.create(
        location=riverside,
        first_day=first,
        last_day=last,
        reason="Thanksgiving",
        reason_es="Día de Acción de Gracias",
    )
    return Location.objects.prefetch_related("opening_hours", "closures").get(pk=riverside.pk)


def test_a_closure_closes_the_location_all_day(riverside):
    thursday = at(2026, 11, 26, 10, 0)  # a Thursday, within the opening hours
    assert riverside.is_open_at(thursday)

    riverside = close_riverside(riverside, thursday.date())

    assert not riverside.is_open_at(thursday)
    assert riverside.is_open_at(at(2026, 11, 25, 10, 0))
    assert riverside.is_open_at(at(2026, 11, 27, 10, 0))


def test_a_closure_starting_or_ending_is_a_change_of_open_now(riverside):
    Location.objects.exclude(pk=riverside.pk).delete()
    close_riverside(riverside, at(2026, 12, 24, 0).date(), at(2026, 12, 25, 0).date())

    # Wednesday 23 at 18:00: the next change is midnight, when the closure starts.
    assert next_opening_change(at(2026, 12, 23, 18, 0)) == at(2026, 12, 24, 0)
    assert next_opening_change(at(2026, 12, 25, 18, 0)) == at(2026, 12, 26, 0)  # it ends


@pytest.mark.clock
def test_the_locations_page_shows_coming_closures_in_each_language(client, riverside):
    today = timezone.localdate()
    close_riverside(riverside, today + timedelta(days=3))

    english = client.get("/locations/").content.decode()
    spanish = client.get("/es/locations/").content.decode()

    day = today + timedelta(days=3)
    assert "Closed on these days" in english and "(Thanksgiving)" in english
    assert f"{day:%A}, {day:%B} {day.day}" in english
    assert "Cerrado estos días" in spanish and "(Día de Acción de Gracias)" in spanish
    assert "Thanksgiving" not in spanish


@pytest.mark.clock
def test_open_now_on_the_page_says_closed_on_a_closure_day(client, riverside):
    close_riverside(riverside, timezone.localdate())

    html = client.get("/locations/").content.decode()

    # Riverside's section only: the other demo locations may well be open right now.
    riverside_section = html.split('id="riverside"')[1].split("</section>")[0]
    assert "Open now" not in riverside_section and "Closed now" in riverside_section
