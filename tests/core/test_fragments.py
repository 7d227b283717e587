"""Fragments every page shares (the footer, the locations) are kept in the cache under
the content version (core.edge_cache.remember), with the local-memory cache and Redis."""

import pytest
from django.test.signals import template_rendered

from appointments.models import Location
from core import edge_cache
from tests.appointments.conftest import make_location

pytestmark = pytest.mark.django_db


@pytest.fixture
def location(db):
    return make_location()


@pytest.fixture(params=["local memory", "redis"])
def pages_cache(request, settings):
    """The fragments' cache as in development and tests, then as in production (keys of
    this test's own in the shared Redis: tests/redis_server.py)."""
    if request.param == "redis":
        test_redis = request.getfixturevalue("test_redis")
        settings.CACHES = {**settings.CACHES, "pages": test_redis.cache("p")}
    return request.param


def empty_the_cache(request, pages_cache):
    """What a Redis flush or an eviction does to the fragments, to this test's keys only."""
    if pages_cache == "redis":
        request.getfixturevalue("test_redis").clear()
    else:
        edge_cache.cache.clear()


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


def test_the_footer_is_rendered_once_per_language(client, location, pages_cache):
    def visit():
        client.cookies["sessionid"] = "no-such-session"  # every page rendered afresh
        for path in ("/locations/", "/es/locations/"):
            assert client.get(path).status_code == 200

    assert renders_of("includes/_footer.html", visit, 3) == 2


def test_a_location_change_shows_in_the_footer_at_once(client, location, pages_cache):
    client.cookies["sessionid"] = "no-such-session"
    client.get("/locations/")

    location.name = "Riverside Spine Center"
    location.save()
    make_location("northgate", "Northgate", order=2)

    page = client.get("/").content.decode()
    assert "Riverside Spine Center" in page and "Northgate" in page


def test_an_emptied_cache_never_brings_back_an_older_value(request, pages_cache):
    assert edge_cache.remember("greeting", lambda: "old") == "old"

    empty_the_cache(request, pages_cache)  # Redis flushed, or the version key evicted
    assert edge_cache.remember("greeting", lambda: "new") == "new"

    empty_the_cache(request, pages_cache)
    edge_cache.new_content_version()  # a change recorded on an empty cache
    assert edge_cache.remember("greeting", lambda: "newer") == "newer"


def test_a_failing_computation_runs_once_and_says_so(pages_cache):
    """A database outage inside compute() is not a cache outage: one try, its error."""
    calls = []

    def compute():
        calls.append(1)
        raise ConnectionError("database down")

    with pytest.raises(ConnectionError):
        edge_cache.remember("failing", compute)
    assert calls == [1]


def test_the_active_locations_are_kept_in_a_shared_cache_until_a_location_changes(
    location, pages_cache, django_assert_num_queries
):
    """With the local-memory cache (one process's) another process's change would
    never reach a kept copy: they are read every time."""
    Location.active_list()
    with django_assert_num_queries(0 if pages_cache == "redis" else 1):
        assert Location.active_list() == [location]

    northgate = make_location("northgate", "Northgate", order=2)

    assert Location.active_list() == [location, northgate]


def test_the_blank_form_is_kept_per_article_and_a_location_change_reaches_it(
    client, location, pages_cache
):
    from tests.education.conftest import make_article

    article = make_article()
    northgate = make_location("northgate", "Northgate", order=2)
    plain = client.get("/appointments/request/").text
    about = client.get(f"/appointments/request/?article={article.slug}").text

    northgate.name = "Northgate Spine Center"
    northgate.save()
    again = client.get("/appointments/request/").text

    assert 'name="article" value="' not in plain
    assert f'name="article" value="{article.slug}"' in about
    assert "Northgate Spine Center" not in plain and "Northgate Spine Center" in again
