"""Admin login lockout, the client address behind proxies, staff idle timeout."""

from http import HTTPStatus

import pytest
from django.test import RequestFactory

from core.client_ip import client_ip
from tests.clients import BrowserClient

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def attempt_login(username, password, ip):
    client = BrowserClient(REMOTE_ADDR=ip)
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def fail_until_locked(username, ip, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_login(username, "wrong-password", ip)


@pytest.fixture
def staff(front_desk_user):
    return front_desk_user


def test_repeated_failures_lock_that_user_from_that_address(staff, settings):
    fail_until_locked(staff.username, "203.0.113.5", settings)

    response = attempt_login(staff.username, PASSWORD, "203.0.113.5")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Sign-in locked for now" in response.content.decode()


def test_one_username_tried_from_many_addresses_is_locked(staff, settings):
    # A botnet guessing one account's password, one try per address.
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt_login(staff.username, "wrong-password", f"198.51.100.{n + 1}")

    response = attempt_login(staff.username, PASSWORD, "192.0.2.200")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_one_address_trying_many_usernames_is_locked(staff, settings):
    # One password sprayed over many accounts from one place.
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt_login(f"guess{n}", "Summer2026!", "203.0.113.5")

    response = attempt_login(staff.username, PASSWORD, "203.0.113.5")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_fewer_failures_than_the_limit_lock_nobody(staff, clinician_user, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt_login(staff.username, "wrong-password", f"198.51.100.{n + 1}")
        attempt_login(f"guess{n}", "wrong-password", "203.0.113.5")

    assert attempt_login(staff.username, PASSWORD, "192.0.2.200").status_code == HTTPStatus.FOUND
    assert attempt_login(clinician_user.username, PASSWORD, "203.0.113.5").status_code == 302


@pytest.mark.clock
def test_lockout_ends_after_the_cool_off(staff, settings, monkeypatch):
    fail_until_locked(staff.username, "203.0.113.5", settings)
    from datetime import timedelta

    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username=staff.username).exists()
    # Move the failures back past the cool-off, as if the time had passed.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )

    response = attempt_login(staff.username, PASSWORD, "203.0.113.5")

    assert response.status_code == HTTPStatus.FOUND


def test_the_cool_off_is_configured_not_permanent(settings):
    assert settings.AXES_COOLOFF_TIME is not None
    assert settings.AXES_COOLOFF_TIME.total_seconds() > 0


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.9"),  # no trusted proxy: the header is ignored
        (1, "1.1.1.1", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # the client forged the first entry
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.2", "1.1.1.1"),
        (2, "1.1.1.1", "10.0.0.9"),  # fewer entries than proxies: not trusted
        (1, "", "10.0.0.9"),
    ],
)
def test_client_ip_only_trusts_the_configured_number_of_proxies(
    settings, proxies, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip(request) == expected


def test_forged_forwarded_for_cannot_dodge_the_login_lockout(staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        BrowserClient(REMOTE_ADDR="10.0.0.1").post(
            "/admin/login/",
            {"username": staff.username, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"9.9.9.{n}, 203.0.113.5",
        )

    response = BrowserClient(REMOTE_ADDR="10.0.0.1").post(
        "/admin/login/",
        {"username": staff.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.5",
    )

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_staff_are_logged_out_after_the_idle_time(front_desk_client, settings, monkeypatch):
    import clinic.middleware

    assert front_desk_client.get("/admin/").status_code == HTTPStatus.OK
    now = clinic.middleware.time.time()
    idle = settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 + 1
    monkeypatch.setattr(clinic.middleware.time, "time", lambda: now + idle)

    response = front_desk_client.get("/admin/")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")


def test_staff_activity_within_the_idle_time_keeps_them_in(
    front_desk_client, settings, monkeypatch
):
    import clinic.middleware

    front_desk_client.get("/admin/")
    now = clinic.middleware.time.time()
    monkeypatch.setattr(clinic.middleware.time, "time", lambda: now + 60)

    assert front_desk_client.get("/admin/").status_code == HTTPStatus.OK


def test_admin_pages_are_never_cached(front_desk_client):
    response = front_desk_client.get("/admin/")

    assert "no-store" in response["Cache-Control"]
