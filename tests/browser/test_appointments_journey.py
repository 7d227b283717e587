"""The whole journey in Chromium: a patient on a phone asks for an appointment from an
article using the keyboard alone; the front desk finds it, logs a call and schedules it."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from appointments.models import AppointmentRequest
from clinic.roles import FRONT_DESK
from tests.appointments.conftest import make_article, make_location, make_request

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def assert_accessible(page, label):
    """axe-core finds no WCAG 2.2 A/AA violation on the page as it is now."""
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = [
        f"{v['id']}: {v['help']} (e.g. {v['nodes'][0]['target']})"
        for v in result.response["violations"]
    ]
    assert not violations, f"axe on {label}:\n" + "\n".join(violations)


def tab_to(page, element_id, limit=40):
    """Press Tab until the element with this id has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} never got the focus with Tab")


def press_tab_expecting(page, element_id):
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == element_id


def test_patient_requests_from_an_article_and_front_desk_schedules_it(
    watched_page, live_server, screenshot, settings, django_user_model
):
    settings.REQUEST_MIN_FILL_SECONDS = 0
    make_location()
    make_location("northgate", "Northgate", address="45 Northgate Plaza\nWesterville, OH", order=2)
    article = make_article(title="What's next if facet joint injections don't work")
    page = watched_page

    # The patient, on a phone, reads the article and taps Request Appointment.
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + article.get_absolute_url())
    page.locator("main").get_by_role("link", name="Request Appointment").first.click()
    expect(page.get_by_role("heading", name="Request an appointment")).to_be_visible()
    expect(page.get_by_text(f"About: {article.title}")).to_be_visible()
    expect(page.get_by_text("This form is not for emergencies.")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the form scrolls sideways at 375px ({width}px wide)"
    screenshot("appointments-form-375")
    assert_accessible(page, "request form")

    # From here on, the keyboard alone: Tab, typing and Space.
    keyboard = page.keyboard
    tab_to(page, "id_first_name")
    keyboard.type("Dana")
    press_tab_expecting(page, "id_last_name")
    keyboard.type("Whitfield")
    press_tab_expecting(page, "id_date_of_birth")
    keyboard.type("04121956")
    tab_to(page, "id_is_new_patient_0", limit=2)  # the date's calendar button comes first
    keyboard.press("Space")  # yes, a new patient
    press_tab_expecting(page, "id_phone")
    keyboard.type("(614) 867-5309")
    press_tab_expecting(page, "id_email")
    keyboard.type("dana@example.com")
    press_tab_expecting(page, "id_preferred_contact_0")  # "Phone call" is already chosen
    press_tab_expecting(page, "id_location_0")
    keyboard.press("Space")  # Riverside
    press_tab_expecting(page, "id_preferred_days_0")
    keyboard.press("Space")  # Monday
    press_tab_expecting(page, "id_preferred_days_1")
    press_tab_expecting(page, "id_preferred_days_2")
    keyboard.press("Space")  # Wednesday
    press_tab_expecting(page, "id_preferred_days_3")
    press_tab_expecting(page, "id_preferred_days_4")
    press_tab_expecting(page, "id_preferred_time_2")  # "Any time" is already chosen
    press_tab_expecting(page, "id_reason")
    keyboard.type("Lower back pain for three months, worse when sitting.")
    press_tab_expecting(page, "id_treatments_tried")
    keyboard.type("Facet joint injections in March")
    press_tab_expecting(page, "id_referring_provider")
    press_tab_expecting(page, "id_insurance")
    press_tab_expecting(page, "id_consent")
    keyboard.press("Space")
    # The honeypot is skipped: the next stop is the button.
    keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Send request"
    keyboard.press("Space")

    expect(page.get_by_role("heading", name="Thank you. We have your request.")).to_be_visible()
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"AR-[2-9A-HJKMNP-Z]{5}", reference)
    assert page.url == live_server.url + "/appointments/request/received/"
    expect(page.get_by_text("What happens next")).to_be_visible()
    screenshot("appointments-received-375")
    assert_accessible(page, "received page")

    saved = AppointmentRequest.objects.get(reference=reference)
    assert saved.source_article == article
    assert saved.date_of_birth.isoformat() == "1956-04-12"
    assert saved.location.slug == "riverside"
    assert saved.preferred_days == ["mon", "wed"]
    assert saved.phone == "+16148675309"

    # The front desk, at a desk, logs in and finds it at the top of the list.
    staff = django_user_model.objects.create_user("fran", password=PASSWORD, is_staff=True)
    staff.groups.add(Group.objects.get(name=FRONT_DESK))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("fran")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Appointment requests").first.click()
    first_row = page.locator("#result_list tbody tr").first
    expect(first_row).to_contain_text(reference)
    expect(first_row).to_contain_text("Dana Whitfield")
    expect(first_row.get_by_role("link", name="(614) 867-5309")).to_have_attribute(
        "href", "tel:+16148675309"
    )
    screenshot("appointments-admin-list")
    assert_accessible(page, "admin list")

    # Opens it, logs the call and marks it scheduled.
    first_row.get_by_role("link", name=reference).click()
    expect(page.get_by_text("Lower back pain for three months")).to_be_visible()
    attempt = page.locator("#contact_attempts-0")
    attempt.locator("select[name$='-outcome']").select_option(label="Reached the patient")
    attempt.locator("textarea[name$='-note']").fill("Booked Tuesday 10am at Riverside")
    page.locator("#id_status").select_option(label="Scheduled")
    # Scheduled needs the booking (issue 11): date, time and location.
    page.locator("#id_appointment_at_0").fill("2030-01-08")
    page.locator("#id_appointment_at_1").fill("10:00")
    page.locator("#id_appointment_location").select_option(label="Riverside")
    screenshot("appointments-admin-change")
    assert_accessible(page, "admin change form")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    saved.refresh_from_db()
    assert saved.status == AppointmentRequest.Status.SCHEDULED
    contact = saved.contact_attempts.get()
    assert contact.staff == staff
    assert contact.outcome == "reached"
    assert saved.first_contacted_at == contact.when
    assert saved.history.first().history_user == staff


def test_patient_who_misses_something_sees_what_to_fix(
    watched_page, live_server, screenshot, settings
):
    settings.REQUEST_MIN_FILL_SECONDS = 0
    make_location()
    page = watched_page
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + "/appointments/request/")
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Phone number").fill("555-1234")
    page.get_by_role("button", name="Send request").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please check your request")
    expect(summary.get_by_role("link", name="Last name")).to_be_visible()
    expect(page.locator("#div_id_phone .invalid-feedback")).to_contain_text("area code")
    expect(page.get_by_label("First name")).to_have_value("Dana")
    assert not AppointmentRequest.objects.exists()
    screenshot("appointments-form-errors-375")
    assert_accessible(page, "form with errors")


def test_manager_report_and_history_pages_render_cleanly(
    watched_page, live_server, screenshot, django_user_model
):
    article = make_article()
    appointment_request = make_request(source_article=article)
    appointment_request.set_status(AppointmentRequest.Status.CONTACTED)
    django_user_model.objects.create_superuser("morgan", "m@example.org", PASSWORD)
    page = watched_page
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("morgan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + "/admin/appointments/appointmentrequest/")
    page.get_by_role("link", name="Requests per article").click()
    expect(page.locator("#result_list")).to_contain_text(article.title)
    assert_accessible(page, "article report")
    screenshot("appointments-admin-report")

    page.goto(live_server.url + appointment_request.get_admin_url())
    page.get_by_role("link", name="History").click()
    expect(page.locator("#change-history")).to_contain_text("New → Contacted")
    assert_accessible(page, "history")
    screenshot("appointments-admin-history")
