"""List, topic and article pages run a fixed, small number of SQL queries,
whatever the number of articles, topics and related articles (DESIGN.md, Budgets).

Measured over the whole request through the test client: middleware, context
processors and template rendering included, for an anonymous visitor (no
session cookie, so no session or user query).
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.models import Location
from core.edge_cache import cache  # the cache fragments are kept in
from education.models import Article, Clinician, EmergencyNotice, Topic

pytestmark = pytest.mark.django_db

BUDGET = 4
# A search also asks the word list what it typed means: stop words and typos, then how
# widespread each concept is (education.search).
SEARCH_BUDGET = BUDGET + 2


def make_library(size, language="en"):
    """`size` published articles (plus drafts) spread over 10 topics, 3 topics each;
    in Spanish, each the translation of the English article of the same number."""
    reviewer = Clinician.objects.get_or_create(name="Dr. Query", credentials="MD")[0]
    prefix = "" if language == "en" else f"{language}-"
    originals = dict(Article.objects.filter(language="en").values_list("slug", "pk"))
    topics = Topic.objects.bulk_create(
        Topic(name=f"{prefix}Topic {n}", slug=f"{prefix}topic-{n}", language=language)
        for n in range(10)
    )
    now = timezone.now()
    articles = Article.objects.bulk_create(
        Article(
            title=f"{prefix}Article {n}",
            slug=f"{prefix}article-{n}",
            language=language,
            translation_of_id=originals.get(f"article-{n}") if prefix else None,
            summary="About back pain.",
            body="<p>Back pain and facet joints.</p>",
            status=Article.Status.PUBLISHED if n % 5 else Article.Status.DRAFT,
            publish_at=now - timedelta(minutes=n + 1),
            reviewer=reviewer,
            author=reviewer,
            reviewed_on=timezone.localdate(),
            featured=n % 5 == 1,
        )
        for n in range(size + size // 4)
    )
    Through = Article.topics.through
    Through.objects.bulk_create(
        Through(article=article, topic=topics[(n + k) % 10])
        for n, article in enumerate(articles)
        for k in range(3)
    )
    return articles


@pytest.fixture(autouse=True)
def location():
    # The footer lists locations (cached): there must be one for it to cost anything.
    return Location.objects.create(
        name="Riverside", slug="riverside", address="1 Main St", phone="(614) 555-0100", hours="Mon"
    )


def count_queries(client, url):
    client.get(url)  # warm the cached footer locations, as on any live site
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    return len(queries)


PAGES = {
    "list": "/articles/",
    "search": "/articles/?q=back+pain",
    "topic": "/articles/topics/topic-3/",
    "article": "/articles/article-1/",
    "home": "/",
    "Spanish list": "/es/articles/",
    "Spanish search": "/es/articles/?q=dolor+de+espalda",
    "Spanish topic": "/es/articles/topics/es-topic-3/",
    "Spanish article": "/es/articles/es-article-1/",
    "Spanish home": "/es/",
}


def make_libraries(size):
    """The library in English and, translated, in Spanish."""
    make_library(size)
    make_library(size, "es")


@pytest.mark.parametrize("page_name", PAGES)
def test_page_stays_within_the_query_budget_with_5_or_500_articles(client, page_name):
    make_libraries(5)
    small = count_queries(client, PAGES[page_name])
    Article.objects.all().delete()
    Topic.objects.all().delete()
    Clinician.objects.all().delete()

    make_libraries(500)
    large = count_queries(client, PAGES[page_name])

    assert small == large, f"{page_name}: {small} queries with 5 articles, {large} with 500"
    budget = SEARCH_BUDGET if "search" in page_name else BUDGET
    assert large <= budget, f"{page_name}: {large} queries"


def test_the_last_page_of_a_large_list_stays_within_the_budget(client):
    make_library(500)

    assert count_queries(client, "/articles/?page=50") <= BUDGET


def test_a_cold_fragment_cache_costs_one_query_per_fragment(client):
    make_libraries(50)
    warm = count_queries(client, "/articles/article-1/")

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get("/articles/article-1/")

    # The footer's locations and the emergency notice, each fetched once, then kept;
    # and when content next changes on its own (the next scheduled publication, the
    # next opening or closing of a location, the next closure's first or last day),
    # which bounds how long the article's page data is kept.
    assert len(queries) == warm + 2 + 3


def test_a_cold_spanish_emergency_notice_costs_one_query_more(client):
    """The Spanish notice also looks for the Spanish translation of its article."""
    make_libraries(50)
    notice = EmergencyNotice.objects.first() or EmergencyNotice()
    notice.article = Article.objects.get(slug="article-1")
    notice.save()
    warm = count_queries(client, "/es/articles/es-article-1/")

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get("/es/articles/es-article-1/")

    assert len(queries) == warm + 3 + 3  # as above, with the closures
