"""Passkeys in a real browser (issue 29): Chromium's virtual authenticator (the Chrome
DevTools WebAuthn domain, through Playwright's CDP session) stands in for a phone or a
security key. A staff member enrols one on first sign-in, gets ten recovery codes, and
signs in with password and passkey; the password alone opens nothing."""

import re

import pytest
from django.contrib.auth import get_user_model
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from clinic.roles import FRONT_DESK
from tests.appointments.conftest import make_request
from tests.browser.conftest import wait_until
from tests.browser.test_front_desk_journey import assert_accessible
from tests.conftest import make_staff

PASSWORD = "a-long-test-password"


@pytest.fixture
def passkeys_on(settings, live_server):
    """The production rule, with passkeys scoped to the live server's origin."""
    settings.STAFF_SECOND_FACTOR = True
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")


@pytest.fixture
def authenticator(watched_page):
    """A platform authenticator that verifies the user (as a fingerprint would)."""
    cdp = watched_page.context.new_cdp_session(watched_page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield cdp, added["authenticatorId"]
    cdp.send("WebAuthn.disable")


def sign_in_with_password(page, live_server, username):
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("[type=submit]").click()


def test_enrol_a_passkey_then_sign_in_with_it(
    watched_page, live_server, passkeys_on, authenticator, django_user_model, screenshot
):
    page = watched_page
    cdp, authenticator_id = authenticator
    user = make_staff(django_user_model, "desk", FRONT_DESK)
    appointment_request = make_request(first_name="Zebulon", last_name="Quixfeather")
    request_page = (
        f"{live_server.url}/admin/appointments/appointmentrequest/{appointment_request.pk}/change/"
    )

    # First sign-in: the password leads to enrolment, nowhere else.
    sign_in_with_password(page, live_server, "desk")
    page.wait_for_url(re.compile(r"/admin/second-factor/enrol/"))
    screenshot("second-factor-enrol")
    assert_accessible(page, "second factor: enrolment")
    page.goto(request_page)
    page.wait_for_url(re.compile(r"/admin/second-factor/enrol/"))
    expect(page.get_by_text("Quixfeather")).to_have_count(0)

    # Add a passkey: the virtual authenticator answers the browser's prompt.
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url(re.compile(r"/admin/second-factor/recovery-codes/"))
    assert_accessible(page, "second factor: recovery codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(credentials["credentials"]) == 1
    assert WebAuthnCredential.objects.filter(user=user, confirmed=True).count() == 1
    # On to the page first asked for.
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url(request_page)

    # Sign out, and in again: the password, then the passkey.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/admin/logout/"))
    sign_in_with_password(page, live_server, "desk")
    page.wait_for_url(re.compile(r"/admin/second-factor/\?"))
    screenshot("second-factor-verify")
    assert_accessible(page, "second factor: second step")
    # Between the two steps the request's page is still closed.
    page.goto(request_page)
    page.wait_for_url(re.compile(r"/admin/login/"))
    expect(page.get_by_text("Quixfeather")).to_have_count(0)

    sign_in_with_password(page, live_server, "desk")
    page.wait_for_url(re.compile(r"/admin/second-factor/\?"))
    wait_until(page, "!!document.getElementById('passkey-verification-button')")
    page.get_by_role("button", name="Use my passkey").click()
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(request_page)
    expect(page.get_by_text("Quixfeather").first).to_be_visible()
    assert get_user_model().objects.get(pk=user.pk).last_login is not None
