"""Fragments every page shares (the footer, the locations) are kept per process under
the content version, read once per request; a cold cache renders a page once; one
Redis client serves every call (issue 16)."""

import os

import pytest
from django.core.cache import caches
from django.test.signals import template_rendered

from appointments.models import Location
from core import page_cache
from tests.appointments.conftest import make_location
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db


@pytest.fixture
def location(db):
    return make_location()


REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
REQUIRE_REDIS = os.environ.get("REQUIRE_REDIS") == "1"


@pytest.fixture(params=["local memory", "redis"])
def pages_cache(request, settings):
    """The page cache as in development and tests, then as in production."""
    if request.param == "redis":
        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).flushdb()
        except redis.exceptions.RedisError:
            skip_or_fail(f"needs Redis at {REDIS_TEST_URL}", REQUIRE_REDIS)
        backend = "django.core.cache.backends.redis.RedisCache"
        settings.CACHES = {
            **settings.CACHES,
            "pages": {"BACKEND": backend, "LOCATION": REDIS_TEST_URL, "KEY_PREFIX": "p"},
        }
        yield request.param
        redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    else:
        yield request.param


def renders_of(template_name, visit, times):
    renders = []

    def count(sender, template, context, **kwargs):
        if template.name == template_name:
            renders.append(template)

    template_rendered.connect(count)
    try:
        for _ in range(times):
            visit()
    finally:
        template_rendered.disconnect(count)
    return len(renders)


def test_a_cold_cache_renders_a_page_once(client, location, pages_cache):
    def visit():
        assert client.get("/locations/").status_code == 200

    assert renders_of("appointments/location_list.html", visit, 3) == 1


def test_the_footer_is_rendered_once_per_language(client, location, pages_cache):
    def visit():
        client.cookies["sessionid"] = "no-such-session"  # every page rendered afresh
        for path in ("/locations/", "/es/locations/"):
            assert client.get(path).status_code == 200

    assert renders_of("includes/_footer.html", visit, 3) == 2


def test_a_page_rendered_afresh_asks_the_cache_once(client, location, monkeypatch):
    client.cookies["sessionid"] = "no-such-session"
    client.get("/locations/")  # the footer's fragments are kept
    calls = []
    for method in ("get", "get_many", "set", "add", "get_or_set"):
        original = getattr(page_cache.cache, method)
        monkeypatch.setattr(
            page_cache.cache,
            method,
            lambda *a, _original=original, _name=method, **k: (
                calls.append(_name) or _original(*a, **k)
            ),
        )

    response = client.get("/locations/")

    assert response.status_code == 200
    assert calls == ["get"]  # the content version, for every fragment of the page


def test_a_location_change_shows_in_the_footer_at_once(client, location, pages_cache):
    client.cookies["sessionid"] = "no-such-session"
    client.get("/locations/")

    location.name = "Riverside Spine Center"
    location.save()
    make_location("northgate", "Northgate", order=2)

    page = client.get("/").content.decode()
    assert "Riverside Spine Center" in page and "Northgate" in page


def test_an_emptied_cache_never_brings_back_an_older_value(pages_cache):
    assert page_cache.remember("greeting", lambda: "old") == "old"

    page_cache.cache.clear()  # Redis flushed, or the version key evicted
    assert page_cache.remember("greeting", lambda: "new") == "new"

    page_cache.cache.clear()
    page_cache.content_changed()  # a change recorded on an empty cache
    assert page_cache.remember("greeting", lambda: "newer") == "newer"


def test_process_copies_of_model_instances_need_a_shared_version(location, pages_cache):
    """With the local-memory cache another process's change would never reach this
    one's copy: the active locations are read every time. With Redis, once per
    content version."""
    first, second = Location.active_list(), Location.active_list()

    assert first == second == [location]
    assert (first is second) == (pages_cache == "redis")


@pytest.mark.parametrize("pages_cache", ["redis"], indirect=True)
def test_one_redis_client_serves_every_call(pages_cache):
    page_cache.cache.get("anything")
    page_cache.cache.set("anything", 1)

    backend = caches["pages"]._cache
    assert backend.get_client() is backend.get_client(write=True)


@pytest.mark.parametrize("shared", [True, False])
def test_a_failing_computation_runs_once_and_says_so(pages_cache, shared):
    """A database outage inside compute() is not a cache outage: one try, its error."""
    calls = []

    def compute():
        calls.append(1)
        raise ConnectionError("database down")

    with pytest.raises(ConnectionError):
        page_cache.remember("failing", compute, shared=shared)
    assert calls == [1]
