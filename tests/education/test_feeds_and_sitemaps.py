import xml.etree.ElementTree as ET
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.edge_cache import cache  # the cache fragments are kept in
from education.models import Article
from education.sitemaps import ArticleSitemap
from tests.education.conftest import make_article, make_topic

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def feed_items(client):
    response = client.get(reverse("education:feed"))
    assert response.status_code == HTTPStatus.OK
    return ET.fromstring(response.content).findall("./channel/item")  # noqa: S314 our own XML


def sitemap_urls(client):
    """Every address of every sitemap the index (/sitemap.xml) names."""
    index = client.get("/sitemap.xml")
    assert index.status_code == HTTPStatus.OK
    urls = {}
    for location in ET.fromstring(index.content).iterfind("s:sitemap/s:loc", NS):  # noqa: S314
        response = client.get(location.text.removeprefix(settings.SITE_URL))
        assert response.status_code == HTTPStatus.OK
        root = ET.fromstring(response.content)  # noqa: S314 our own XML
        urls.update(
            (url.findtext("s:loc", namespaces=NS), url.findtext("s:lastmod", namespaces=NS))
            for url in root.findall("s:url", NS)
        )
    return urls


def test_feed_lists_published_articles_newest_first(client, topic, draft, scheduled):
    make_article("Older", topics=[topic], publish_at=timezone.now() - timedelta(days=4))
    newer = make_article("Newer", topics=[topic])

    items = feed_items(client)

    assert [item.findtext("title") for item in items] == ["Newer", "Older"]
    first = items[0]
    assert first.findtext("link") == f"https://clinic.example.org{newer.get_absolute_url()}"
    assert first.findtext("description") == newer.summary
    assert first.findtext("category") == topic.name
    assert first.findtext("pubDate")


def test_scheduled_article_joins_the_feed_when_its_time_comes(client, scheduled):
    assert feed_items(client) == []

    Article.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now())
    # What the feed is made of is kept no longer than the article's publication time
    # (core.edge_cache); moving that time instead of waiting means emptying the cache.
    cache.clear()

    assert [item.findtext("title") for item in feed_items(client)] == [scheduled.title]


def test_sitemap_lists_static_pages_published_articles_and_topics(
    client, topic, article, draft, scheduled
):
    make_topic("No articles")

    urls = sitemap_urls(client)

    base = "https://clinic.example.org"
    assert f"{base}/" in urls
    assert f"{base}{reverse('education:article_list')}" in urls
    assert f"{base}{reverse('appointments:locations')}" in urls
    # The clinic's date of the change, not UTC's (they differ for hours every night).
    changed_on = timezone.localdate(article.updated).isoformat()
    assert urls[f"{base}{article.get_absolute_url()}"] == changed_on
    assert urls[f"{base}{topic.get_absolute_url()}"] == changed_on
    assert f"{base}{draft.get_absolute_url()}" not in urls
    assert f"{base}{scheduled.get_absolute_url()}" not in urls
    assert not any("no-articles" in url for url in urls)


def test_the_sitemap_index_lists_every_article_past_a_sitemaps_limit(client, monkeypatch):
    # 50,000 addresses per sitemap in production; 2 here, so five articles need three pages.
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    articles = [make_article(f"Article {n}") for n in range(5)]

    index = client.get("/sitemap.xml").content.decode()
    urls = sitemap_urls(client)

    assert "https://clinic.example.org/sitemap-articles.xml?p=3</loc>" in index
    assert "sitemap-articles.xml?p=4" not in index
    for article in articles:
        assert f"https://clinic.example.org{article.get_absolute_url()}" in urls


def test_scheduled_article_joins_the_sitemap_when_its_time_comes(client, scheduled):
    assert f"https://clinic.example.org{scheduled.get_absolute_url()}" not in sitemap_urls(client)

    Article.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now())
    cache.clear()  # the sitemap is cached for 15 minutes

    assert f"https://clinic.example.org{scheduled.get_absolute_url()}" in sitemap_urls(client)


def test_robots_txt_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert "Sitemap: https://clinic.example.org/sitemap.xml" in response.content.decode()
