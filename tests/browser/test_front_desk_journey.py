"""Issue 11 in Chromium: the front desk reads the day's counts, opens the oldest new
request, logs a voicemail, sees the call-back date, later books the appointment; the
patient's email with its calendar entry lands in the outbox, without the reason. Every
new admin page passes axe; the request page leads with the work; the day view prints
without the admin around it."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from appointments.models import AppointmentRequest, VisitType, next_business_day
from appointments.models.bookings import clinic_date
from core.models import Email
from tests.appointments.conftest import make_location, make_request

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LIST = "/admin/appointments/appointmentrequest/"
REASON = "Sharp pain down the left leg since March."


def assert_accessible(page, label):
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = [
        f"{v['id']}: {v['help']} (e.g. {v['nodes'][0]['target']})"
        for v in result.response["violations"]
    ]
    assert not violations, f"axe on {label}:\n" + "\n".join(violations)


def box(page, selector):
    return page.locator(selector).first.bounding_box()


@pytest.fixture
def inbox(db):
    # A transactional test empties the tables the migrations filled: visit types again.
    for order, (name, minutes) in enumerate(
        [("New patient consultation", 60), ("Follow-up", 30), ("Procedure", 45)], start=1
    ):
        VisitType.objects.get_or_create(name=name, defaults={"minutes": minutes, "order": order})
    riverside = make_location()
    make_location("northgate", "Northgate", address="45 Northgate Plaza\nWesterville, OH", order=2)
    oldest = make_request(
        first_name="Robin",
        last_name="Example",
        phone="+16145550121",
        email="robin@example.org",
        preferred_contact="email",
        reason=REASON,
        location=riverside,
        created=timezone.now() - timedelta(days=3),
    )
    make_request(phone="+16145550122", created=timezone.now() - timedelta(hours=2))
    make_request(phone="+16145550123", status="contacted")
    return oldest


def test_front_desk_from_counts_to_a_booked_appointment(
    watched_page, live_server, screenshot, front_desk_user, inbox, mailoutbox
):
    page = watched_page
    front_desk_user.set_password(PASSWORD)
    front_desk_user.save()

    # Log in; the home page leads with the day's counts.
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", front_desk_user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")
    home = page.locator(".ar-home")
    expect(home.get_by_role("link", name="2 new")).to_be_visible()
    expect(home.get_by_role("link", name="1 overdue")).to_be_visible()
    expect(home.get_by_role("link", name="0 booked today")).to_be_visible()
    expect(home.get_by_role("link", name="My open requests (0)")).to_be_visible()
    screenshot("front-desk-home")
    assert_accessible(page, "admin home (front desk)")

    # The new ones, the oldest first: open it.
    home.get_by_role("link", name="2 new").click()
    page.wait_for_url("**/appointmentrequest/?status__exact=new")
    page.locator("#result_list tbody tr").first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/appointmentrequest/{inbox.pk}/change/"))

    # The work comes first: status, booking, the call log and Save, all on the first
    # screen at 1280x800, above what the patient sent.
    screenshot("front-desk-request-page")
    page.screenshot(path="test-artifacts/front-desk-request-page-viewport.png")
    status, booking = box(page, "#id_status"), box(page, "#id_appointment_at_0")
    call_log, save = box(page, "#contact_attempts-group"), box(page, ".submit-row")
    patient = box(page, "#fieldset-0-3-heading")
    for name, part in {"status": status, "booking": booking, "call log": call_log}.items():
        assert part["y"] + part["height"] <= 800, f"{name} below the first screen: {part}"
    assert save["y"] < patient["y"], "Save comes after the patient's details"
    assert call_log["y"] < patient["y"]
    assert_accessible(page, "request page")

    # Log a voicemail: the request stays New and a call-back date is proposed.
    page.select_option("#id_contact_attempts-0-outcome", "voicemail")
    page.locator("[name=_continue]").first.click()
    call_back = next_business_day()
    message = page.locator(".messagelist")
    expect(message).to_contain_text(
        "Logged a voicemail; the request stays New; call back by "
        f"{date_format(call_back, 'D M j')}."
    )
    expect(page.locator("#id_call_back_by")).to_have_value(call_back.isoformat())
    inbox.refresh_from_db()
    assert (inbox.status, inbox.call_back_by) == ("new", call_back)

    # Later: book it for tomorrow at 10:30, at Riverside, a new patient consultation.
    tomorrow = clinic_date() + timedelta(days=1)
    page.select_option("#id_status", "scheduled")
    page.fill("#id_appointment_at_0", tomorrow.isoformat())
    page.fill("#id_appointment_at_1", "10:30")
    page.select_option("#id_appointment_location", label="Riverside")
    page.select_option("#id_visit_type", label="New patient consultation")
    page.locator("[name=_continue]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("is booked for")
    inbox.refresh_from_db()
    assert inbox.status == AppointmentRequest.Status.SCHEDULED
    assert timezone.localtime(inbox.appointment_at).strftime("%Y-%m-%d %H:%M") == (
        f"{tomorrow.isoformat()} 10:30"
    )

    # The patient's email, with the .ics, in the outbox and sent: no reason, no name.
    email = Email.objects.get(kind="booking: patient")
    assert email.to == ["robin@example.org"]
    (sent,) = [m for m in mailoutbox if m.to == ["robin@example.org"]]
    filename, ics, mimetype = sent.attachments[0]
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    assert "10:30 AM" in sent.body
    for private in ("Sharp pain", "left leg", "Robin", "Example"):
        assert private not in sent.subject + sent.body + ics

    # The day view: tomorrow's list, accessible, printable without the admin around it.
    page.goto(live_server.url + "/admin/appointments/appointmentrequest/booked/?day=tomorrow")
    expect(page.get_by_role("cell", name="10:30 AM")).to_be_visible()
    expect(page.get_by_role("link", name=inbox.reference)).to_be_visible()
    assert page.get_by_text("Sharp pain").count() == 0
    screenshot("front-desk-booked-tomorrow")
    assert_accessible(page, "booked appointments")
    page.emulate_media(media="print")
    assert not page.locator("#header").is_visible()
    assert not page.locator(".breadcrumbs").is_visible()
    assert page.locator("table.ar-booked").is_visible()
    screenshot("front-desk-booked-tomorrow-print")
    page.emulate_media(media="screen")


def test_new_admin_pages_pass_axe(watched_page, live_server, manager_user, inbox, settings):
    settings.REQUEST_UNREACHED_ATTEMPTS = 1
    page = watched_page
    manager_user.set_password(PASSWORD)
    manager_user.save()
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", manager_user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")
    inbox.call_back_by = clinic_date()
    inbox.unanswered_attempts = 1
    inbox.save()
    pages = {
        "home (manager)": "/admin/",
        "request list due today": "/admin/appointments/appointmentrequest/?call_back=today",
        "request page, unable to reach": f"{LIST}{inbox.pk}/change/",
        "booked today": "/admin/appointments/appointmentrequest/booked/",
        "booked this week": "/admin/appointments/appointmentrequest/booked/?day=week",
        "visit types": "/admin/appointments/visittype/",
    }
    for label, url in pages.items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, label
        assert_accessible(page, label)
    page.goto(live_server.url + f"/admin/appointments/appointmentrequest/{inbox.pk}/change/")
    page.get_by_role("button", name="Email “we tried to reach you”").click()
    expect(page.locator(".messagelist")).to_contain_text("“We tried to reach you” emailed")
