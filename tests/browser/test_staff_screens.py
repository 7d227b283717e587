"""Issue 27 in Chromium, each screen as its user meets it, at 1280x800 and 375x812,
with axe on each: the front desk calls back and books in one save; the practice
manager adds a clinician, who then logs in; a clinician inserts a library image and
sees the picture in the editor."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import AppointmentRequest, VisitType
from appointments.models.bookings import clinic_date
from core.models import Email
from tests.appointments.conftest import make_location, make_request
from tests.browser.test_front_desk_journey import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
LIST = "/admin/appointments/appointmentrequest/"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def log_in(page, live_server, user, password=PASSWORD):
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    page.locator("[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")


def both_sizes(page, screenshot, name, label):
    """A screenshot of the first screen at 1280x800, the whole page at 375x812, axe on
    each; back to 1280x800."""
    page.screenshot(path=f"test-artifacts/{name}-1280.png")
    assert_accessible(page, f"{label} at 1280x800")
    page.set_viewport_size(PHONE)
    screenshot(f"{name}-375")
    assert_accessible(page, f"{label} at 375x812")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{label} scrolls sideways at 375 px by {overflow} px"
    page.set_viewport_size(DESKTOP)


def below_first_screen(page, selector):
    box = page.locator(selector).first.bounding_box()
    return box["y"] + box["height"] > DESKTOP["height"]


@pytest.fixture
def visit_types(db):
    # A transactional test empties the tables the migrations filled: visit types again.
    for order, (name, minutes) in enumerate(
        [("New patient consultation", 60), ("Follow-up", 30)], start=1
    ):
        VisitType.objects.get_or_create(name=name, defaults={"minutes": minutes, "order": order})


# A browser in another zone than the clinic's: no per-field "You are N hours ahead".
@pytest.mark.browser_context_args(timezone_id="Europe/Berlin")
def test_front_desk_calls_back_and_books_in_one_save(
    watched_page, live_server, screenshot, front_desk_user, visit_types
):
    page = watched_page
    riverside = make_location()
    patient = make_request(
        first_name="Robin",
        last_name="Example",
        phone="+16145550121",
        email="robin@example.org",
        preferred_contact="email",
        preferred_days=["mon", "wed"],
        preferred_time="morning",
        reason="Sharp pain down the left leg since March.",
        location=riverside,
        created=timezone.now() - timedelta(hours=5),
    )
    front_desk_user.first_name, front_desk_user.last_name = "Casey", "Desk"
    front_desk_user.set_password(PASSWORD)
    front_desk_user.save()
    log_in(page, live_server, front_desk_user)

    page.goto(f"{live_server.url}{LIST}{patient.pk}/change/")
    # The work first: who to call, how, when and why, the call log's new row and Save.
    phone = page.get_by_role("link", name="(614) 555-0121")
    expect(phone).to_have_attribute("href", "tel:+16145550121")
    page.screenshot(path="test-artifacts/i27-request-page-first-screen.png")
    for selector in (
        ".field-full_name",
        ".field-phone_link",
        ".field-contact_preference",
        ".field-preferred_when",
        ".field-reason_text",
        "#id_contact_attempts-0-outcome",
        "#id_appointment_at_0",
        "#id_appointment_location",
        ".submit-row [name=_continue]",
    ):
        assert not below_first_screen(page, selector), f"{selector} below the first screen"
    expect(page.locator(".ar-zone")).to_have_count(1)
    expect(page.get_by_text("hours ahead")).to_have_count(0)
    expect(page.get_by_text("hours behind")).to_have_count(0)
    both_sizes(page, screenshot, "i27-request-page", "request page")

    # The call: reached, booked for tomorrow 10:30 at Riverside, one save.
    page.select_option("#id_contact_attempts-0-outcome", "reached")
    tomorrow = clinic_date() + timedelta(days=1)
    page.fill("#id_appointment_at_0", tomorrow.isoformat())
    page.fill("#id_appointment_at_1", "10:30")
    page.select_option("#id_appointment_location", label="Riverside")
    page.select_option("#id_visit_type", label="Follow-up")
    page.locator(".submit-row [name=_continue]").click()

    messages = page.locator(".messagelist")
    expect(messages).to_contain_text(
        re.compile(
            rf"{patient.reference} is booked for .* 10:30 AM at Riverside \(status Scheduled\)"
        )
    )
    expect(messages).to_contain_text("queued to be emailed to the patient")
    expect(messages).to_contain_text(f"{patient.reference} is now assigned to you.")
    patient.refresh_from_db()
    assert patient.status == AppointmentRequest.Status.SCHEDULED
    assert patient.assigned_to == front_desk_user
    assert Email.objects.filter(kind="booking: patient", reference=patient.reference).exists()
    expect(page.locator("#id_status")).to_have_value("scheduled")
    both_sizes(page, screenshot, "i27-request-booked", "request page after booking")
