"""The front desk at a clinic group's size (issue 26): search in any form, the list's
tiles from the same definitions as what they link to, visits that end, the streamed
export and the batched purge. The timings themselves are printed by make bench-scale."""

import csv
import io
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.admin.home import workload
from appointments.models import AppointmentRequest, ContactAttempt
from appointments.models.bookings import clinic_date, day_start
from appointments.models.requests import phone_fragment
from tests.appointments.conftest import make_location, make_request

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/appointments/appointmentrequest/"


def found(client, term):
    response = client.get(LIST_URL, {"q": term})
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


@pytest.mark.parametrize(
    "term",
    ["614-555", "(614) 555", "614 555", "555-0142", "555 0142", "+1 614 555", "+1 614-555-0142",
     "1 (614) 555-0142", "6145550142", "0142", " 555-0142 "],
)  # fmt: skip
def test_any_part_of_a_phone_number_however_typed_finds_it(front_desk_client, term):
    wanted = make_request(phone="+16145550142", last_name="Wanted")
    make_request(phone="+13805550199", last_name="Other")

    assert found(front_desk_client, term) == {wanted}


@pytest.mark.parametrize("term", ["555", "14", "2026-11-30", "+", "--", "AR-555x"])
def test_too_little_or_not_a_phone_number_is_not_a_phone_search(term):
    assert phone_fragment(term) is None


def test_search_by_reference_as_said_on_the_phone(front_desk_client):
    wanted = make_request()
    make_request()
    code = wanted.reference.removeprefix("AR-")

    for term in (wanted.reference, wanted.reference.lower(), code, f"ar {code.lower()}"):
        assert found(front_desk_client, term) == {wanted}, term


def test_search_by_name_and_email_words_all_count(front_desk_client):
    dana = make_request(first_name="Dana", last_name="Whitfield", email="dw@example.org")
    make_request(first_name="Dana", last_name="Other", email="other@example.org")

    assert found(front_desk_client, "dana whit") == {dana}
    assert found(front_desk_client, "DW@EXAMPLE") == {dana}
    assert len(found(front_desk_client, "Dana")) == 2


def test_phone_digits_follow_the_number(front_desk_client):
    appointment_request = make_request(phone="+16145550142")
    appointment_request.phone = "+13805550177"
    appointment_request.save()

    assert found(front_desk_client, "380-555") == {appointment_request}
    assert found(front_desk_client, "614-555") == set()


def test_searches_and_the_default_order_have_their_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s",
            [AppointmentRequest._meta.db_table],
        )
        names = {row[0] for row in cursor.fetchall()}
    for name in (
        "appointment_first_name_trgm",
        "appointment_last_name_trgm",
        "appointment_email_trgm",
        "appointment_phone_digits_trgm",
        "appointment_new_first",
        "appointment_status_booked",
    ):
        assert name in names


# Tiles: the count is the length of the list it links to.


@pytest.mark.clock
def test_every_tile_is_a_link_and_counts_what_its_page_shows(
    front_desk_client, front_desk_user, location
):
    today = clinic_date()
    noon = day_start(today) + timedelta(hours=12)
    make_request()
    make_request(created=timezone.now() - timedelta(hours=48), phone="+16145550190")
    make_request(call_back_by=today, phone="+16145550191", assigned_to=front_desk_user)
    make_request(call_back_by=today - timedelta(days=2), phone="+16145550192")
    for hours in (0, 24 * 3):
        make_request(
            status="scheduled",
            appointment_location=location,
            appointment_at=noon + timedelta(hours=hours),
            phone="+16145550193",
        )

    tiles = workload(front_desk_user)

    home = front_desk_client.get("/admin/").text
    listed = front_desk_client.get(LIST_URL).text
    for name, tile in tiles.items():
        href = tile["url"].replace("&", "&amp;")
        if not tile["count"] and name in ("call_back_overdue", "unreached"):
            continue  # shown only when there are some
        assert f'href="{href}"' in home, name
        page = front_desk_client.get(tile["url"])
        shown = page.context["cl"].result_count if "cl" in page.context else page.context["count"]
        assert shown == tile["count"], name
        if name != "mine":
            assert f'href="{href}"' in listed, name


# A booking has an end.


@pytest.mark.clock
def test_a_visit_whose_day_is_over_is_no_longer_open(location):
    today = clinic_date()
    booked = {"status": "scheduled", "appointment_location": location}
    past = make_request(**booked, appointment_at=day_start(today) - timedelta(hours=2))
    later_today = make_request(**booked, appointment_at=day_start(today) + timedelta(hours=20))
    waiting = make_request(status="contacted")

    assert set(AppointmentRequest.objects.open()) == {later_today, waiting}
    assert list(AppointmentRequest.objects.past_visits()) == [past]
    assert past.visit_is_past and not later_today.visit_is_past


@pytest.mark.clock
def test_the_purge_deletes_past_visits_after_retention_with_everything_about_them(
    settings, location
):
    settings.REQUEST_RETENTION_DAYS = 365
    long_ago = timezone.now() - timedelta(days=400)
    booked = {"status": "scheduled", "appointment_location": location}
    visited = make_request(**booked, appointment_at=long_ago + timedelta(days=7))
    ContactAttempt.objects.create(appointment_request=visited, outcome="reached")
    recent_visit = make_request(**booked, appointment_at=timezone.now() - timedelta(days=30))
    for appointment_request in (visited, recent_visit):
        AppointmentRequest.objects.filter(pk=appointment_request.pk).update(updated=long_ago)

    dry = StringIO()
    call_command("purge_requests", stdout=dry)
    out = StringIO()
    call_command("purge_requests", "--delete", stdout=out)

    assert "past visits: 1" in dry.getvalue()
    assert "Deleted 1 request(s)" in out.getvalue()
    assert list(AppointmentRequest.objects.all()) == [recent_visit]
    assert not AppointmentRequest.history.filter(id=visited.pk).exists()
    assert not ContactAttempt.objects.filter(appointment_request_id=visited.pk).exists()
    assert not ContactAttempt.history.filter(appointment_request_id=visited.pk).exists()


def test_the_purge_works_in_batches_with_a_few_statements_each(
    settings, django_assert_max_num_queries, monkeypatch
):
    from appointments.management.commands import purge_requests

    settings.REQUEST_RETENTION_DAYS = 365
    monkeypatch.setattr(purge_requests, "BATCH", 2)
    for n in range(5):
        old = make_request(status="closed", phone=f"+1614555020{n}")
        ContactAttempt.objects.create(appointment_request=old, outcome="reached")
    AppointmentRequest.objects.update(updated=timezone.now() - timedelta(days=400))

    # Counts by status (4), then per batch of 2: one select and four deletes; a last select.
    with django_assert_max_num_queries(4 + 3 * 5 + 1 + 6):
        call_command("purge_requests", "--delete", stdout=StringIO())

    assert not AppointmentRequest.objects.exists()
    assert not AppointmentRequest.history.exists()
    assert not ContactAttempt.history.exists()


# The export.


def test_export_of_all_matching_requests_streams_every_row(front_desk_client):
    location = make_location()
    wanted = [make_request(location=location, phone=f"+1614555030{n}") for n in range(3)]
    make_request(last_name="Other", phone="+16145550399")

    response = front_desk_client.post(
        f"{LIST_URL}?q=Whitfield",
        {"action": "export_csv", "select_across": "1", "index": "0",
         "_selected_action": [wanted[0].pk]},
    )  # fmt: skip

    assert response.streaming
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert sorted(row["Reference"] for row in rows) == sorted(r.reference for r in wanted)
    assert {row["Location"] for row in rows} == {"Riverside"}


def export_rows(response):
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def test_export_sends_every_range_of_ids_once_in_order(front_desk_client, monkeypatch):
    from appointments import export

    monkeypatch.setattr(export, "CHUNK_IDS", 2)  # five requests: three ranges
    wanted = [make_request(phone=f"+1614555031{n}") for n in range(5)]
    wanted[2].delete()  # a gap in the ids

    response = front_desk_client.post(
        LIST_URL,
        {"action": "export_csv", "select_across": "1", "index": "0",
         "_selected_action": [wanted[0].pk]},
    )  # fmt: skip

    rows = export_rows(response)
    assert [row["Reference"] for row in rows] == [
        r.reference for r in wanted if r.pk != wanted[2].pk
    ]


def test_export_columns_as_people_read_them(front_desk_client):
    request = make_request(
        phone="+442079460958",
        preferred_days=["wed", "mon"],
        is_new_patient=False,
        status=AppointmentRequest.Status.CONTACTED,
        email="",
    )
    request.first_contacted_at = timezone.make_aware(datetime(2026, 7, 1, 23, 30))
    request.save()
    plain = make_request(phone="+16145550142", preferred_days=[], is_new_patient=None)

    response = front_desk_client.post(
        LIST_URL, {"action": "export_csv", "_selected_action": [request.pk, plain.pk]}
    )

    rows = {row["Reference"]: row for row in export_rows(response)}
    row = rows[request.reference]
    # Anything but a North American number as stored, behind the formula guard.
    assert row["Phone"] == "'+442079460958"
    assert row["Preferred days"] == "Wednesday, Monday"
    assert row["New patient"] == "Returning"
    assert row["Status"] == "Contacted"
    assert row["Email"] == ""
    assert row["First contacted"] == "2026-07-01 23:30"  # the clinic's time
    local = timezone.localtime(request.created).strftime("%Y-%m-%d %H:%M")
    assert row["Received"] == local
    other = rows[plain.reference]
    assert other["Phone"] == "(614) 555-0142"
    assert other["Preferred days"] == "Any weekday"
    assert other["New patient"] == "Not said"
    assert other["First contacted"] == ""


def test_a_large_export_is_recorded_by_its_filters_and_count(front_desk_client, monkeypatch):
    from appointments import export
    from core.models import AccessRecord

    monkeypatch.setattr(export, "RECORD_REFERENCES_UP_TO", 2)
    wanted = [make_request(last_name="Whitfield", phone=f"+1614555032{n}") for n in range(3)]

    response = front_desk_client.post(
        f"{LIST_URL}?q=Whitfield&status__exact=new",
        {"action": "export_csv", "select_across": "1", "index": "0",
         "_selected_action": [wanted[0].pk]},
    )  # fmt: skip

    assert len(export_rows(response)) == 3
    record = AccessRecord.objects.get(action=AccessRecord.Action.EXPORTED)
    assert record.count == 3
    assert record.references == ""
    # The filters, and that there was a search, but not what was searched (a name).
    assert record.detail == "all matching; filters: status__exact=new; search"
    assert "Whitfield" not in record.detail


def test_a_large_export_holds_no_request_received_while_it_downloads(
    front_desk_client, monkeypatch
):
    from appointments import export

    monkeypatch.setattr(export, "RECORD_REFERENCES_UP_TO", 1)
    exported = [make_request(phone=f"+1614555033{n}") for n in range(2)]
    response = front_desk_client.post(
        LIST_URL,
        {"action": "export_csv", "select_across": "1", "index": "0",
         "_selected_action": [exported[0].pk]},
    )  # fmt: skip
    later = make_request(phone="+16145550340")  # after the record, before the file streams

    references = [row["Reference"] for row in export_rows(response)]
    assert references == [r.reference for r in exported]
    assert later.reference not in references


def test_a_large_export_shows_among_the_looks_at_each_request_it_could_hold(
    front_desk_client, monkeypatch
):
    from appointments import export

    monkeypatch.setattr(export, "RECORD_REFERENCES_UP_TO", 1)
    held = [make_request(phone=f"+1614555035{n}") for n in range(2)]
    front_desk_client.post(
        LIST_URL,
        {"action": "export_csv", "select_across": "1", "index": "0",
         "_selected_action": [held[0].pk]},
    ).getvalue()  # fmt: skip
    later = make_request(phone="+16145550360")

    def looks(request):
        page = front_desk_client.get(f"{LIST_URL}{request.pk}/change/")
        return [record.get_action_display() for record in page.context["looked_at"]]

    assert "Exported requests" in looks(held[1])
    assert "Exported requests" not in looks(later)  # received after the export


def test_a_large_exports_record_keeps_whole_filters_only(rf):
    from appointments.export import wide_export_detail

    request = rf.get("/", {"location__id__exact": "12", "status__exact": "x" * 80})

    detail = wide_export_detail(request)

    assert detail == "all matching; filters: location__id__exact=12 …"
    assert len(wide_export_detail(request, room=30)) <= 30


def test_export_reads_no_article_body(front_desk_client, article):
    appointment_request = make_request(source_article=article)

    with CaptureQueriesContext(connection) as queries:
        response = front_desk_client.post(
            LIST_URL, {"action": "export_csv", "_selected_action": [appointment_request.pk]}
        )
        text = response.getvalue().decode("utf-8-sig")

    assert article.title in text
    assert not any('"education_article"."body"' in query["sql"] for query in queries)


# Counting: exact up to a cap, then "more than".


def test_past_the_cap_the_list_says_more_than_and_select_all_says_every_match(
    front_desk_client, monkeypatch
):
    from appointments.admin.parts import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "COUNT_CAP", 3)
    for n in range(5):
        make_request(phone=f"+1614555040{n}")

    capped = front_desk_client.get(LIST_URL, {"q": "Whitfield"})
    exact = front_desk_client.get(LIST_URL, {"q": "Whitfield", "status__exact": "spam"})

    text = " ".join(capped.text.split())
    assert capped.context["cl"].paginator.more_than == 3
    assert "more than 3 results" in text
    assert "more than 3 appointment requests" in text  # under the list
    assert "Select all more than 3 appointment requests" in text
    assert "every matching request (more than 3)" in text
    assert exact.context["cl"].paginator.more_than is None
    assert "0 results" in " ".join(exact.text.split())
