"""The front desk's admin: who may open what, the list, the change form, actions, export."""

import csv
import io
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.db.models import TextField, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from appointments.export import safe
from appointments.models import AppointmentRequest, VisitType
from tests.appointments.conftest import make_location, make_request, spreadsheet_safe
from tests.clients import BrowserClient

# Tests whose outcome may depend on the date are marked clock one by one: the role
# matrix, the formula guard and the searches that must not break are not, so the
# three runs at set instants skip them.
pytestmark = pytest.mark.django_db

LIST_URL = "/admin/appointments/appointmentrequest/"
REPORT_URL = "/admin/appointments/appointmentrequest/report/articles/"
HOUR = timezone.timedelta(hours=1)

OK, FORBIDDEN, LOGIN = HTTPStatus.OK, HTTPStatus.FORBIDDEN, HTTPStatus.FOUND
NOT_ALLOWED = HTTPStatus.METHOD_NOT_ALLOWED

# URL (with {request} and {location} ids) -> expected status for
# anonymous, clinician, front desk, practice manager.
ROLE_MATRIX = {
    "/admin/appointments/appointmentrequest/": (LOGIN, FORBIDDEN, OK, OK),
    "/admin/appointments/appointmentrequest/add/": (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/admin/appointments/appointmentrequest/{request}/change/": (LOGIN, FORBIDDEN, OK, OK),
    "/admin/appointments/appointmentrequest/{request}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/appointments/appointmentrequest/{request}/history/": (LOGIN, FORBIDDEN, OK, OK),
    "/admin/appointments/appointmentrequest/{request}/history/{version}/": (
        LOGIN, FORBIDDEN, OK, OK,
    ),
    "/admin/appointments/appointmentrequest/report/articles/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/appointments/location/": (LOGIN, FORBIDDEN, OK, OK),
    "/admin/appointments/location/add/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/appointments/location/{location}/change/": (LOGIN, FORBIDDEN, OK, OK),
    "/admin/appointments/location/{location}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/appointments/location/{location}/history/": (LOGIN, FORBIDDEN, OK, OK),
    # Booked appointments by day: the front desk's; clinicians see no bookings.
    "/admin/appointments/appointmentrequest/booked/": (LOGIN, FORBIDDEN, OK, OK),
    "/admin/appointments/appointmentrequest/booked/?day=week": (LOGIN, FORBIDDEN, OK, OK),
    # The "we tried to reach you" button posts; a GET is refused whoever asks.
    "/admin/appointments/appointmentrequest/{request}/tried-to-reach/": (
        LOGIN, FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED,
    ),
    # Visit types: the practice manager edits them; the front desk reads them.
    "/admin/appointments/visittype/": (LOGIN, FORBIDDEN, OK, OK),
    "/admin/appointments/visittype/add/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/appointments/visittype/{visit_type}/change/": (LOGIN, FORBIDDEN, OK, OK),
    "/admin/appointments/visittype/{visit_type}/delete/": (LOGIN, FORBIDDEN, FORBIDDEN, OK),
    "/admin/appointments/visittype/{visit_type}/history/": (LOGIN, FORBIDDEN, OK, OK),
}  # fmt: skip
ROLES = ("anonymous", "clinician", "front_desk", "manager")


@pytest.fixture
def role_client(request, client):
    """A client logged in as the role named by the test's `role` parameter."""

    def login(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(f"{role}_user"))
        return client

    return login


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ROLE_MATRIX)
def test_role_matrix_for_every_admin_url_of_the_app(role_client, location, url, role):
    appointment_request = make_request(location=location)
    version = appointment_request.history.first().history_id
    client = role_client(role)

    visit_type = VisitType.objects.first()  # made by the migrations
    response = client.get(
        url.format(
            request=appointment_request.pk,
            location=location.pk,
            version=version,
            visit_type=visit_type.pk,
        )
    )

    expected = ROLE_MATRIX[url][ROLES.index(role)]
    assert response.status_code == expected, f"{role} {url}"
    if expected == LOGIN:
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(("role", "expected"), [("clinician", FORBIDDEN), ("front_desk", OK)])
def test_role_matrix_for_actions(role_client, location, role, expected):
    appointment_request = make_request()
    client = role_client(role)

    for action in ("export_csv", "assign_to_me", "mark_scheduled"):
        response = client.post(
            LIST_URL, {"action": action, "_selected_action": [appointment_request.pk]}
        )
        assert response.status_code in (
            (expected,) if expected == FORBIDDEN else (OK, HTTPStatus.FOUND)
        ), action


@pytest.mark.clock
def test_clinicians_do_not_see_appointments_in_the_admin(clinician_client):
    index = clinician_client.get("/admin/")

    assert index.status_code == OK
    assert "Appointment requests" not in index.text
    # The app's own index page does not exist for them (the admin answers 404 there).
    assert clinician_client.get("/admin/appointments/").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.clock
def test_front_desk_cannot_delete_requests_or_change_locations(front_desk_client, location):
    appointment_request = make_request()

    response = front_desk_client.post(
        f"{LIST_URL}{appointment_request.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == FORBIDDEN
    assert AppointmentRequest.objects.exists()
    response = front_desk_client.post(
        f"/admin/appointments/location/{location.pk}/change/", {"name": "Renamed"}
    )
    assert response.status_code == FORBIDDEN


@pytest.mark.clock
def test_list_shows_new_first_then_oldest_first(front_desk_client):
    now = timezone.now()
    old_closed = make_request(status="closed", created=now - 90 * HOUR)
    old_new = make_request(created=now - 30 * HOUR)
    recent_new = make_request(created=now - HOUR)
    contacted = make_request(status="contacted", created=now - 50 * HOUR)

    response = front_desk_client.get(LIST_URL)

    shown = list(response.context["cl"].result_list)
    assert shown == [old_new, recent_new, old_closed, contacted]


@pytest.mark.clock
def test_list_columns_phone_link_and_overdue_badge(front_desk_client, location, settings):
    settings.REQUEST_RESPONSE_HOURS = 24
    make_request(location=location, is_new_patient=True, created=timezone.now() - 30 * HOUR)

    response = front_desk_client.get(LIST_URL)

    html = response.text
    for text in ("Dana Whitfield", "Riverside", ">New<", "1\xa0day ago", "Overdue"):
        assert text in html, text
    assert '<a href="tel:+16148675309">(614) 867-5309</a>' in html


@pytest.mark.clock
def test_each_rows_checkbox_is_djangos_own_markup(front_desk_client):
    from django.contrib import admin
    from django.contrib.admin import ModelAdmin

    from appointments.admin import AppointmentRequestAdmin

    appointment_request = make_request()
    model_admin = AppointmentRequestAdmin(AppointmentRequest, admin.site)

    ours = model_admin.action_checkbox(appointment_request)

    assert ours == ModelAdmin.action_checkbox(model_admin, appointment_request)
    assert ours in front_desk_client.get(LIST_URL).text


@pytest.mark.clock
def test_one_status_is_listed_by_received_oldest_first(front_desk_client):
    now = timezone.now()
    later = make_request(status="contacted", created=now - HOUR)
    earlier = make_request(status="contacted", created=now - 50 * HOUR)
    make_request(status="closed", created=now - 90 * HOUR)

    response = front_desk_client.get(LIST_URL, {"status__exact": "contacted"})

    assert list(response.context["cl"].result_list) == [earlier, later]


@pytest.mark.clock
def test_counts_at_the_top_of_the_list(front_desk_client):
    make_request()
    make_request(created=timezone.now() - 48 * HOUR)
    # Booked for noon on the clinic's today: in "this week" whatever the day (a visit
    # tomorrow is next week's on a Sunday, which the clock runs include).
    noon_today = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    make_request(
        status="contacted",
        appointment_at=noon_today,
        appointment_location=make_location(),
    ).set_status(AppointmentRequest.Status.SCHEDULED)

    response = front_desk_client.get(LIST_URL)

    counts = response.context["counts"]
    assert (counts["new"], counts["overdue"], counts["booked_week"]) == (2, 1, 1)
    assert 'booked/?day=week"><strong>1</strong> booked this week' in response.text


@pytest.mark.clock
def test_overdue_filter(front_desk_client):
    late = make_request(created=timezone.now() - 48 * HOUR)
    make_request()

    response = front_desk_client.get(LIST_URL, {"overdue": "yes"})

    assert list(response.context["cl"].result_list) == [late]


@pytest.mark.parametrize(
    "term",
    [
        "(614) 867-5309",
        "614-867-5309",
        "614.867.5309",
        "614 867 5309",
        "6148675309",
        "+1 614 867 5309",
        "+1 (614) 867-5309",
        "1-614-867-5309",
        "867-5309",
        "867 5309",
        "8675309",
        " 867-5309 ",
        "Whitfield",
    ],
)
@pytest.mark.clock
def test_search_by_phone_as_people_type_it_and_by_name(front_desk_client, term):
    wanted = make_request()
    make_request(phone="+16145550199", last_name="Other")

    response = front_desk_client.get(LIST_URL, {"q": term})

    assert list(response.context["cl"].result_list) == [wanted]


@pytest.mark.parametrize("term", ["\x00", "+", "x" * 10_240, "AR-\x00"])
def test_odd_searches_do_not_break_the_list(front_desk_client, term):
    make_request()

    response = front_desk_client.get(LIST_URL, {"q": term})

    assert response.status_code in (OK, HTTPStatus.FOUND)


@pytest.mark.parametrize("term", ["2026-11-30", "AR-867-5309x", "Dana 867-5309"])
def test_searches_that_are_not_a_phone_number_do_not_match_by_phone(front_desk_client, term):
    make_request()

    response = front_desk_client.get(LIST_URL, {"q": term})

    assert list(response.context["cl"].result_list) == []


@pytest.mark.clock
def test_search_by_reference(front_desk_client):
    wanted = make_request()
    make_request()

    response = front_desk_client.get(LIST_URL, {"q": wanted.reference})

    assert list(response.context["cl"].result_list) == [wanted]


@pytest.mark.clock
def test_filters_are_offered(front_desk_client, two_locations, front_desk_user):
    make_request(location=two_locations[0], assigned_to=front_desk_user)
    make_request(location=two_locations[1])

    response = front_desk_client.get(LIST_URL)

    titles = [spec.title for spec in response.context["cl"].filter_specs]
    for title in ("status", "location", "new patient", "assigned to", "overdue"):
        assert title in titles
    # No date drill-down (it reads every row's year) and no second, full count.
    assert response.context["cl"].date_hierarchy is None
    assert response.context["cl"].full_result_count is None


@pytest.mark.clock
def test_assign_to_me_records_who_did_it(front_desk_client, front_desk_user):
    appointment_request = make_request()

    front_desk_client.post(
        LIST_URL, {"action": "assign_to_me", "_selected_action": [appointment_request.pk]}
    )

    appointment_request.refresh_from_db()
    assert appointment_request.assigned_to == front_desk_user
    assert appointment_request.history.first().history_user == front_desk_user


@pytest.mark.parametrize("status", ["contacted", "scheduled", "declined", "closed", "spam"])
@pytest.mark.clock
def test_status_actions(front_desk_client, status, location):
    # Scheduled needs a booking (tests/appointments/test_bookings.py: refused without).
    booking = {"appointment_at": timezone.now() + 24 * HOUR, "appointment_location": location}
    appointment_request = make_request(**(booking if status == "scheduled" else {}))

    front_desk_client.post(
        LIST_URL, {"action": f"mark_{status}", "_selected_action": [appointment_request.pk]}
    )

    appointment_request.refresh_from_db()
    assert appointment_request.status == status


@pytest.mark.clock
def test_csv_export_neutralises_formulas(front_desk_client):
    appointment_request = make_request(
        first_name='=HYPERLINK("http://evil.example")',
        last_name="@SUM(A1)",
        reason="-2+3",
        insurance="+cmd",
        treatments_tried="plain text",
    )

    response = front_desk_client.post(
        LIST_URL, {"action": "export_csv", "_selected_action": [appointment_request.pk]}
    )

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["Reference"] == appointment_request.reference
    assert row["First name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["Last name"] == "'@SUM(A1)"
    assert row["Reason"] == "'-2+3"
    assert row["Insurance"] == "'+cmd"
    assert row["Treatments tried"] == "plain text"
    assert row["Phone"] == "(614) 867-5309"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        (None, ""),
        (42, "42"),
    ],
)
def test_the_formula_guard_as_postgresql_applies_it(value, expected):
    make_request()
    text = None if value is None else str(value)
    guarded = AppointmentRequest.objects.annotate(
        cell=safe(Value(text, output_field=TextField()))
    ).values_list("cell", flat=True)

    assert (guarded.first() or "") == expected == spreadsheet_safe(value)


def test_stored_values_that_are_no_choice_are_guarded_too(front_desk_client):
    # The form allows only choices; an import or the shell might not.
    appointment_request = make_request()
    AppointmentRequest.objects.filter(pk=appointment_request.pk).update(
        status="=cmd", language="@x", preferred_days=["mon", "+1"]
    )

    response = front_desk_client.post(
        LIST_URL, {"action": "export_csv", "_selected_action": [appointment_request.pk]}
    )

    row = next(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert row["Status"] == "'=cmd"
    assert row["Language"] == "'@x"
    assert row["Preferred days"] == "Monday, '+1"


def change_form_data(appointment_request, **overrides):
    """What the admin change form posts, with no contact attempt added."""
    data = {
        "status": appointment_request.status,
        "assigned_to": "",
        "notes": appointment_request.notes,
        "contact_attempts-TOTAL_FORMS": "0",
        "contact_attempts-INITIAL_FORMS": "0",
        "contact_attempts-MIN_NUM_FORMS": "0",
        "contact_attempts-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


@pytest.mark.clock
def test_patient_fields_are_read_only_and_staff_fields_editable(front_desk_client):
    appointment_request = make_request()
    url = f"{LIST_URL}{appointment_request.pk}/change/"

    page = front_desk_client.get(url)
    assert 'name="first_name"' not in page.text
    assert 'name="reason"' not in page.text
    assert 'name="status"' in page.text

    response = front_desk_client.post(
        url,
        change_form_data(
            appointment_request, first_name="Changed", reason="Changed", status="contacted",
            notes="Prefers afternoons",
        ),
    )  # fmt: skip

    assert response.status_code == HTTPStatus.FOUND
    appointment_request.refresh_from_db()
    assert appointment_request.first_name == "Dana"
    assert appointment_request.reason == "Lower back pain."
    assert appointment_request.status == "contacted"
    assert appointment_request.notes == "Prefers afternoons"


@pytest.mark.clock
def test_logging_a_contact_attempt_stamps_staff_and_first_contact(
    front_desk_client, front_desk_user, location
):
    appointment_request = make_request()
    now = timezone.localtime()
    booked = now + 48 * HOUR

    response = front_desk_client.post(
        f"{LIST_URL}{appointment_request.pk}/change/",
        change_form_data(
            appointment_request,
            status="scheduled",
            **{
                "appointment_at_0": booked.strftime("%Y-%m-%d"),
                "appointment_at_1": "10:00",
                "appointment_location": str(location.pk),
                "contact_attempts-TOTAL_FORMS": "1",
                "contact_attempts-0-when_0": now.strftime("%Y-%m-%d"),
                "contact_attempts-0-when_1": now.strftime("%H:%M:%S"),
                "contact_attempts-0-method": "phone",
                "contact_attempts-0-outcome": "reached",
                "contact_attempts-0-note": "Booked Tuesday 10am",
            },
        ),
    )

    assert response.status_code == HTTPStatus.FOUND
    appointment_request.refresh_from_db()
    attempt = appointment_request.contact_attempts.get()
    assert attempt.staff == front_desk_user
    assert appointment_request.first_contacted_at == attempt.when
    assert appointment_request.status == "scheduled"
    assert appointment_request.history.first().history_user == front_desk_user


@pytest.mark.clock
def test_change_form_hints_at_possible_duplicates(front_desk_client):
    first = make_request()
    second = make_request()

    response = front_desk_client.get(f"{LIST_URL}{second.pk}/change/")

    assert "Possible duplicate" in response.text
    assert first.reference in response.text


@pytest.mark.clock
def test_change_form_links_the_source_article(front_desk_client, article):
    appointment_request = make_request(source_article=article, source_path="/articles/x/")

    response = front_desk_client.get(f"{LIST_URL}{appointment_request.pk}/change/")

    assert f'<a href="{article.get_absolute_url()}">{article.title}</a>' in response.text
    assert "/articles/x/" in response.text


@pytest.mark.clock
def test_history_shows_who_changed_what(front_desk_client, front_desk_user):
    appointment_request = make_request()
    front_desk_client.post(
        f"{LIST_URL}{appointment_request.pk}/change/",
        change_form_data(appointment_request, status="contacted"),
    )

    response = front_desk_client.get(f"{LIST_URL}{appointment_request.pk}/history/")

    assert response.status_code == OK
    assert front_desk_user.username in response.text


@pytest.mark.clock
def test_manager_report_counts_requests_per_article(manager_client, article):
    make_request(source_article=article)
    make_request(source_article=article, status="scheduled")
    make_request()
    make_request(source_article=article, created=timezone.now() - timezone.timedelta(days=91))

    response = manager_client.get(REPORT_URL)

    rows = {row["source_article__title"]: row for row in response.context["rows"]}
    assert rows[article.title]["requests"] == 2
    assert rows[article.title]["scheduled"] == 1
    assert rows[None]["requests"] == 1
    assert "No article" in response.text


@pytest.mark.clock
def test_report_link_is_shown_to_managers_only(manager_client, front_desk_user):
    assert "Requests per article" in manager_client.get(LIST_URL).text

    front_desk = BrowserClient()
    front_desk.force_login(front_desk_user)
    assert "Requests per article" not in front_desk.get(LIST_URL).text


@pytest.mark.clock
def test_nobody_adds_requests_in_the_admin(manager_client):
    assert manager_client.get(f"{LIST_URL}add/").status_code == FORBIDDEN


@pytest.mark.clock
def test_requests_can_only_be_assigned_to_front_desk_staff_or_the_manager(
    front_desk_client, front_desk_user, clinician_user, manager_user
):
    appointment_request = make_request()

    response = front_desk_client.get(
        f"/admin/appointments/appointmentrequest/{appointment_request.pk}/change/"
    )

    choices = {
        str(label)
        for value, label in response.context["adminform"].form.fields["assigned_to"].choices
        if value
    }
    assert choices == {front_desk_user.username, manager_user.username}


def test_row_links_of_a_filtered_list_lead_back_to_the_same_list(front_desk_client):
    """RequestChangeList writes the list's filters on each row's links itself; they are
    the links Django's add_preserved_filters() makes, and saving returns to the list."""
    from django.contrib.admin.templatetags.admin_urls import add_preserved_filters

    request = make_request(status="contacted")
    filters = {"status__exact": "contacted", "q": request.last_name}

    response = front_desk_client.get(LIST_URL, filters)

    change_url = reverse("admin:appointments_appointmentrequest_change", args=[request.pk])
    opts = AppointmentRequest._meta
    preserved = urlencode({"_changelist_filters": urlencode(filters)})
    djangos = add_preserved_filters({"preserved_filters": preserved, "opts": opts}, change_url)
    assert djangos == f"{change_url}?{preserved}"
    assert response.text.count(f'href="{escape(djangos)}"') == 2  # the reference and the name

    saved = front_desk_client.post(djangos, change_form_data(request, status="contacted"))
    assert saved.status_code == 302
    assert saved["Location"] == f"{LIST_URL}?{urlencode(filters)}"

    unfiltered = front_desk_client.get(LIST_URL).text
    assert f'href="{change_url}"' in unfiltered
    assert f'href="{change_url}?' not in unfiltered  # no filters, nothing added
