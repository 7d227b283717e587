"""Patients get cached public pages; a content change or a scheduled article shows at once."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import page_cache
from education.models import Article

pytestmark = pytest.mark.django_db


def make_article(**fields):
    defaults = {
        "title": "Facet joints",
        "slug": "facet-joints",
        "summary": "About facet joints.",
        "body": "<p>Small joints in the spine.</p>",
        "status": Article.Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(days=1),
    }
    return Article.objects.create(**{**defaults, **fields})


def get_counting_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def test_the_second_visit_is_served_without_touching_the_database(client):
    make_article()
    first, first_queries = get_counting_queries(client, "/articles/")

    second, second_queries = get_counting_queries(client, "/articles/")

    assert first.status_code == second.status_code == HTTPStatus.OK
    assert first_queries > 0
    assert second_queries == 0
    assert second.content == first.content


def test_an_edited_article_shows_at_once(client):
    article = make_article()
    client.get(article.get_absolute_url())

    article.title = "Facet joints, explained again"
    article.save()
    response = client.get(article.get_absolute_url())

    assert "Facet joints, explained again" in response.content.decode()


def test_a_scheduled_article_appears_when_its_time_comes(client, monkeypatch):
    make_article()
    publish_at = timezone.now() + timedelta(seconds=90)
    make_article(title="Coming soon", slug="coming-soon", publish_at=publish_at)
    assert "Coming soon" not in client.get("/articles/").content.decode()

    # Nothing is kept past the next publication time.
    assert page_cache.seconds_to_keep() <= 91
    later = publish_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    page_cache.cache.clear()  # what the expiry does when those seconds have passed

    assert "Coming soon" in client.get("/articles/").content.decode()


def test_staff_and_searches_are_never_served_from_the_cache(client, clinician_client):
    make_article()
    client.get("/articles/")

    _, staff_queries = get_counting_queries(clinician_client, "/articles/")
    _, search_queries = get_counting_queries(client, "/articles/?q=facet")
    _, search_again = get_counting_queries(client, "/articles/?q=facet")

    assert staff_queries > 0
    assert search_queries > 0 and search_again > 0


def test_a_cache_outage_still_serves_the_page(client, monkeypatch):
    make_article()

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(page_cache.cache, "get", broken)
    monkeypatch.setattr(page_cache.cache, "get_or_set", broken)
    monkeypatch.setattr(page_cache.cache, "set", broken)

    response = client.get("/articles/")

    assert response.status_code == HTTPStatus.OK
    assert "Facet joints" in response.content.decode()


def test_not_found_pages_are_not_kept(client):
    client.get("/articles/not-yet/")
    make_article(slug="not-yet", title="Now here")

    response = client.get("/articles/not-yet/")

    assert response.status_code == HTTPStatus.OK
