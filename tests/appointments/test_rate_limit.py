"""Per-client rate limit on submissions, kept in the shared cache."""

import os
import subprocess
import sys
import textwrap
from http import HTTPStatus

import pytest
from django.core.cache import cache

from appointments.models import AppointmentRequest
from tests.appointments.conftest import REQUEST_URL, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit_of_two(settings):
    settings.REQUEST_RATE_LIMIT = 2
    settings.REQUEST_RATE_WINDOW_SECONDS = 600


def test_over_the_limit_gets_a_429_with_the_phone_number(client, location, limit_of_two, settings):
    for _ in range(2):
        assert client.post(REQUEST_URL, form_data()).status_code == HTTPStatus.FOUND

    response = client.post(REQUEST_URL, form_data())

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert settings.CLINIC_PHONE in response.text
    assert response["Retry-After"] == "600"
    assert "no-store" in response["Cache-Control"]
    assert AppointmentRequest.objects.count() == 2


def test_limit_is_per_client(client, location, limit_of_two):
    for _ in range(2):
        client.post(REQUEST_URL, form_data(), REMOTE_ADDR="203.0.113.1")

    response = client.post(REQUEST_URL, form_data(), REMOTE_ADDR="203.0.113.2")

    assert response.status_code == HTTPStatus.FOUND


def test_forged_forwarded_for_header_does_not_escape_the_limit(client, location, limit_of_two):
    for n in range(2):
        client.post(REQUEST_URL, form_data(), HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    response = client.post(REQUEST_URL, form_data(), HTTP_X_FORWARDED_FOR="198.51.100.9")

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_invalid_forms_and_double_submits_do_not_use_up_the_allowance(
    client, location, limit_of_two
):
    for _ in range(3):
        client.post(REQUEST_URL, form_data(phone="nonsense"))
    data = form_data()
    for _ in range(3):
        client.post(REQUEST_URL, data)

    response = client.post(REQUEST_URL, form_data())

    assert response.status_code == HTTPStatus.FOUND


def test_the_cache_holds_no_ip_address(client, location):
    client.post(REQUEST_URL, form_data(), REMOTE_ADDR="203.0.113.77")

    keys = list(cache._cache.keys())  # locmem internals, fine in a test
    assert keys
    assert not any("203.0.113.77" in key for key in keys)


class BrokenCache:
    """A cache server that does not answer."""

    def add(self, *args, **kwargs):
        raise ConnectionError("cache down")

    incr = get = set = delete = add


def test_requests_are_still_taken_when_the_cache_is_down(client, location, monkeypatch, caplog):
    monkeypatch.setattr("appointments.abuse.cache", BrokenCache())

    response = client.post(REQUEST_URL, form_data())

    assert response.status_code == HTTPStatus.FOUND
    assert AppointmentRequest.objects.count() == 1
    assert "Rate limit unavailable" in caplog.text


@pytest.fixture
def redis_cache(settings, test_redis):
    """The real shared cache: keys of this test's own in the Redis test database."""
    settings.CACHES = {"default": test_redis.cache(), "pages": test_redis.cache("pages")}
    from django.core.cache import caches

    return caches["default"]


def test_limit_holds_across_processes_through_redis(
    client, location, limit_of_two, redis_cache, settings
):
    """Two submissions here, then a separate Python process (another app server)
    sees the allowance used up."""
    for _ in range(2):
        assert client.post(REQUEST_URL, form_data()).status_code == HTTPStatus.FOUND
    redis_caches = settings.CACHES

    script = textwrap.dedent(
        f"""
        import django
        from django.conf import settings
        django.setup()
        settings.CACHES = {redis_caches!r}
        settings.REQUEST_RATE_LIMIT = 2
        from appointments.abuse import over_rate_limit
        print("over" if over_rate_limit("127.0.0.1") else "allowed")
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    other_process = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
    )

    assert other_process.stdout.strip() == "over"
