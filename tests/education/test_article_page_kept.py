"""What a patient's article page, the home page and the lists show is kept in the
cache per content version (core.edge_cache.remember), for the pages the edge does not
keep (a visitor with a session), and never outlives a change: an edit published, an
article published at its time, an article unpublished, a new article. With Redis, as
in production; with the local-memory cache (one process's) it is read every time.
Searches are always fresh."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import edge_cache
from education.models import Article
from tests.clients import BrowserClient
from tests.core.test_fragments import empty_the_cache, pages_cache, renders_of  # noqa: F401
from tests.education.conftest import make_article, make_topic
from tests.education.test_workflow_admin import in_review, live, logged_in  # noqa: F401

pytestmark = pytest.mark.django_db


def visit(url):
    """As a visitor with a session: the page cache never answers, the view renders.
    Returns the response and the queries other than reading the session."""
    client = BrowserClient()
    client.cookies["sessionid"] = "a-visitor-with-a-session"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    others = [q for q in queries.captured_queries if "django_session" not in q["sql"]]
    return response, len(others)


def test_second_render_costs_no_query_with_a_shared_cache(pages_cache):  # noqa: F811
    article = make_article(topics=[make_topic()])

    visit(article.get_absolute_url())
    response, queries = visit(article.get_absolute_url())

    assert response.status_code == 200 and "Facet joints explained" in response.text
    assert (queries == 0) == (pages_cache == "redis")


def test_a_published_change_reaches_the_next_render(pages_cache):  # noqa: F811
    article = make_article(topics=[make_topic()])
    visit(article.get_absolute_url())

    article.title = "Facet joints, the new title"
    article.save()
    response, _ = visit(article.get_absolute_url())

    assert "Facet joints, the new title" in response.text


def test_an_unpublished_article_is_gone_at_once(pages_cache):  # noqa: F811
    article = make_article(topics=[make_topic()])
    visit(article.get_absolute_url())

    article.status = Article.Status.DRAFT
    article.save()
    response, _ = visit(article.get_absolute_url())

    assert response.status_code == 404


def test_a_related_article_appears_at_its_publication_time(request, pages_cache, monkeypatch):  # noqa: F811
    topic = make_topic()
    article = make_article(topics=[topic])
    soon = timezone.now() + timedelta(minutes=2)
    make_article("Coming soon", topics=[topic], publish_at=soon)
    first, _ = visit(article.get_absolute_url())
    assert "Coming soon" not in first.text

    # Nothing is kept past the publication time: two minutes and a second later the
    # cache has let it go (as its expiry does), and the clinic's clock has moved on.
    assert edge_cache.seconds_to_keep() <= 121
    later = soon + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    empty_the_cache(request, pages_cache)
    second, _ = visit(article.get_absolute_url())

    assert "Coming soon" in second.text


def test_the_article_column_is_rendered_once_per_content_version(pages_cache):  # noqa: F811
    topic = make_topic()
    article = make_article(topics=[topic])
    make_article("Heat or ice", topics=[topic])

    def read():
        assert "Heat or ice" in visit(article.get_absolute_url())[0].text

    # The related article's card is inside the kept column (remember()).
    assert renders_of("education/_article_card.html", read, 3) == 1
    make_article("Walking with back pain", topics=[topic])
    assert renders_of("education/_article_card.html", read, 2) == 2


def test_a_preview_is_never_the_kept_column_nor_kept_for_patients(
    pages_cache,  # noqa: F811
    in_review,  # noqa: F811
    clinician_user,
):
    new_title = '<h1 id="article-title">Facet joints: the new text</h1>'
    visit(in_review.get_absolute_url())  # the published column, kept
    preview_url = reverse("admin:education_article_preview", args=[in_review.pk, 2])

    preview = logged_in(clinician_user).get(preview_url).content.decode()
    public, _ = visit(in_review.get_absolute_url())

    assert new_title in preview
    assert new_title not in public.text
    assert '<h1 id="article-title">Facet joints explained</h1>' in public.text


def test_a_made_up_slug_is_not_kept(pages_cache):  # noqa: F811
    response, _ = visit("/articles/no-such-article/")

    assert response.status_code == 404
    version = edge_cache.content_version()
    assert edge_cache.cache.get("article-page:en:no-such-article", version=version) is None


# The lists every visitor sees alike: the home page, the article list, topic pages.


# The article list and topic pages read their page of articles from the database
# (ten, and a count), whatever the library's size: see test_query_budget.py.
@pytest.mark.parametrize("url", ["/"])
def test_lists_cost_no_query_on_the_second_render_with_a_shared_cache(
    pages_cache,  # noqa: F811
    url,
):
    make_article(topics=[make_topic()], featured=True)

    visit(url)
    response, queries = visit(url)

    assert response.status_code == 200 and "Facet joints explained" in response.text
    assert (queries == 0) == (pages_cache == "redis")


@pytest.mark.parametrize("url", ["/articles/", "/articles/topics/facet-joints/"])
def test_a_list_page_reads_only_its_own_articles_with_a_shared_cache(pages_cache, url):  # noqa: F811
    # A kept query would be pickled with every article it finds: at 3,000 articles a
    # list page spent 50 ms reading them back from Redis (issue 24).
    topic = make_topic()
    for number in range(12):
        make_article(f"Article {number}", topics=[topic])
    visit(url)

    client = BrowserClient()
    client.cookies["sessionid"] = "a-visitor-with-a-session"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.context["paginator"].count == 12
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "education_article"' in q["sql"]]
    # Its count, and at most its ten (their cards may be kept already): never them all.
    assert reads and all("COUNT(*)" in sql or sql.endswith("LIMIT 10") for sql in reads), reads


@pytest.mark.parametrize("url", ["/", "/articles/", "/articles/topics/facet-joints/"])
def test_a_new_article_reaches_the_lists_at_once(pages_cache, url):  # noqa: F811
    topic = make_topic()
    make_article(topics=[topic], featured=True)
    visit(url)

    make_article("Heat or ice", topics=[topic], featured=True)
    response, _ = visit(url)

    assert "Heat or ice" in response.text


def test_a_search_is_always_fresh(pages_cache):  # noqa: F811
    make_article(topics=[make_topic()])
    visit("/articles/?q=facet")

    _, queries = visit("/articles/?q=facet")

    assert queries > 0
