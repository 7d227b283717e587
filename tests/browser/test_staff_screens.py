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
from tests.browser.conftest import wait_until
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


def test_the_manager_adds_a_clinician_who_then_logs_in(
    watched_page, live_server, screenshot, manager_user
):
    page = watched_page
    manager_user.first_name, manager_user.last_name = "Morgan", "Manager"
    manager_user.set_password(PASSWORD)
    manager_user.save()
    log_in(page, live_server, manager_user)

    # The manager's home: titled for them, the technical tables behind "System".
    expect(page.locator("h1")).to_have_text("Practice management")
    expect(page.get_by_role("link", name="System")).to_be_visible()
    expect(page.get_by_text("Access attempts")).to_have_count(0)
    both_sizes(page, screenshot, "i27-manager-home", "manager's home")
    page.get_by_role("link", name="System").click()
    expect(page.get_by_role("link", name="Access attempts")).to_be_visible()
    both_sizes(page, screenshot, "i27-system", "System page")

    # Staff → Add: one form, name, email, role, a new clinician profile.
    page.goto(live_server.url + "/admin/clinic/staffmember/add/")
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Lee")
    page.get_by_label("Email address").fill("jordan.lee@example.org")
    # The clinician profile fields only for the roles that write or review articles.
    page.get_by_label("Front desk", exact=True).check()
    expect(page.get_by_label("Credentials")).to_be_hidden()
    page.get_by_label("Clinician", exact=True).check()
    expect(page.get_by_label("Credentials")).to_be_visible()
    page.get_by_label("Credentials").fill("DPT")
    expect(page.get_by_text("Superuser status")).to_have_count(0)
    expect(page.get_by_text("User permissions")).to_have_count(0)
    both_sizes(page, screenshot, "i27-staff-add", "add a staff member")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Invitation queued to be emailed to jordan.lee@example.org"
    )
    expect(page.get_by_role("columnheader", name="Last login")).to_be_visible()
    row = page.locator("#result_list tbody tr", has_text="Jordan Lee")
    expect(row).to_contain_text("Clinician")
    both_sizes(page, screenshot, "i27-staff-list", "staff list")

    # The invitation: a link to set their own password, no password in it.
    email = Email.objects.get(kind="staff invitation")
    link = re.search(r"https?://\S+/admin/invitation/\S+/", email.body).group(0)
    path = link[link.index("/admin/") :]
    page.get_by_role("button", name="Log out").click()
    page.goto(live_server.url + path)
    expect(page.locator("#id_new_password1")).to_be_visible()
    both_sizes(page, screenshot, "i27-invitation", "set your password")
    page.fill("#id_new_password1", "a-fresh-staff-passphrase")
    page.fill("#id_new_password2", "a-fresh-staff-passphrase")
    page.locator("[type=submit]").click()
    expect(page.get_by_text("Your password has been set.")).to_be_visible()

    # They log in with their email address; their home is theirs.
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "jordan.lee@example.org")
    page.fill("#id_password", "a-fresh-staff-passphrase")
    page.locator("[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")
    expect(page.locator("h1")).to_have_text("Patient education")
    expect(page.get_by_text("not linked to a clinician profile")).to_have_count(0)
    both_sizes(page, screenshot, "i27-new-clinician-home", "the new clinician's home")


def test_a_clinician_inserts_an_image_and_sees_it_in_the_editor(
    watched_page, live_server, screenshot, clinician_user, settings, tmp_path
):
    from education.models import Article
    from tests.education.images_helpers import make_image

    settings.MEDIA_ROOT = str(tmp_path / "media")
    page = watched_page
    ice = make_image("Ice pack on the lower back", fmt="WEBP", width=1200, height=800, photo=True)
    article = Article.objects.create(
        title="Cold and heat for back pain",
        slug="cold-and-heat",
        summary="When to use ice and when heat.",
        body="<p>Ice calms a fresh injury.</p><p>Heat loosens stiff muscles.</p>",
    )
    clinician_user.set_password(PASSWORD)
    clinician_user.save()
    log_in(page, live_server, clinician_user)
    page.goto(f"{live_server.url}/admin/education/article/{article.pk}/change/")

    page.get_by_role("textbox", name="Body").locator("p").first.click()
    page.get_by_role("button", name="Insert image from library").click()
    dialog = page.get_by_role("dialog", name="Insert an image from the library")
    dialog.get_by_role("button").filter(has_text=ice.marker).click()
    expect(dialog).to_be_hidden()

    # The picture itself, under its marker, inside the editor.
    editor = page.get_by_role("textbox", name="Body")
    picture = editor.locator(".library-image-preview img")
    expect(picture).to_have_count(1)
    expect(picture).to_have_attribute("alt", "Ice pack on the lower back")
    wait_until(
        page,
        "(() => { const i = document.querySelector('.library-image-preview img');"
        " return i && i.complete && i.naturalWidth > 0 })()",
    )
    expect(editor).to_contain_text(ice.marker)
    picture.scroll_into_view_if_needed()
    page.screenshot(path="test-artifacts/i27-editor-image-1280.png")
    assert_accessible(page, "article editor with a picture at 1280x800")

    # Saved, and opened again: the stored body keeps the marker, the editor the picture.
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("successfully")
    article.refresh_from_db()
    working = article.working_copy
    body = working.content["body"] if working else article.body
    assert f"<p>{ice.marker}</p>" in body and "<img" not in body
    expect(
        page.get_by_role("textbox", name="Body").locator(".library-image-preview img")
    ).to_have_count(1)
    expect(page.locator("[name=_addanother]")).to_have_count(0)
    page.set_viewport_size(PHONE)
    page.get_by_role("textbox", name="Body").scroll_into_view_if_needed()
    page.screenshot(path="test-artifacts/i27-editor-image-375.png")
    assert_accessible(page, "article editor with a picture at 375x812")
    page.set_viewport_size(DESKTOP)


def test_closures_show_on_the_locations_page_in_both_languages(
    watched_page, live_server, screenshot
):
    from appointments.models import Closure

    page = watched_page
    riverside = make_location()
    day = clinic_date() + timedelta(days=5)
    Closure.objects.create(
        location=riverside,
        first_day=day,
        reason="Staff training",
        reason_es="Formación del personal",
    )

    page.goto(live_server.url + "/locations/")
    expect(page.get_by_text("(Staff training)")).to_be_visible()
    both_sizes(page, screenshot, "i27-locations-closure", "locations page with a closure")
    page.goto(live_server.url + "/es/locations/")
    expect(page.get_by_text("(Formación del personal)")).to_be_visible()
    expect(page.get_by_text("Staff training")).to_have_count(0)
    both_sizes(page, screenshot, "i27-locations-closure-es", "Spanish locations page")
