"""What the app tells the edge (core.edge_cache): which responses it may keep and for
how long (Cache-Control), and which pages to purge when content changes. nginx
itself, with deploy/nginx.conf, is tested in tests/hardening/test_edge_proxy.py."""

import threading
from datetime import timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import edge_cache
from education.models import Article
from tests.appointments.conftest import make_location
from tests.education.conftest import make_article, make_topic

pytestmark = pytest.mark.django_db

PUBLIC = "public, max-age=30, s-maxage=300"


def cache_control(response):
    return set(response.get("Cache-Control", "").split(", "))


def is_private(response):
    control = cache_control(response)
    return "public" not in control and {"private", "no-store"} <= control


# What may be kept.


@pytest.mark.parametrize(
    "path", ["/", "/es/", "/articles/", "/articles/facet-joints-explained/", "/locations/"]
)
def test_patients_pages_may_be_kept_by_the_edge_for_five_minutes(client, path):
    make_article(topics=[make_topic()])

    response = client.get(path)

    assert response.status_code == HTTPStatus.OK
    assert cache_control(response) == set(PUBLIC.split(", "))


def test_feeds_topics_and_the_sitemap_may_be_kept(client):
    make_article(topics=[make_topic()])

    for path in ("/articles/feed/", "/articles/topics/facet-joints/", "/sitemap.xml"):
        assert "public" in cache_control(client.get(path)), path


def test_no_page_is_kept_past_the_next_scheduled_publication(client):
    make_article()
    make_article("Coming soon", publish_at=timezone.now() + timedelta(seconds=90))

    control = cache_control(client.get("/articles/"))

    s_maxage = next(int(part.split("=")[1]) for part in control if part.startswith("s-maxage="))
    assert "public" in control and 80 < s_maxage <= 91


def test_a_real_page_of_a_paged_list_may_be_kept(client):
    for n in range(11):
        make_article(f"Article {n}")

    assert "public" in cache_control(client.get("/articles/?page=2"))


@pytest.mark.parametrize(
    "path",
    [
        "/articles/?q=facet",  # a search: what a patient typed
        "/articles/?page=01",
        "/articles/?utm_source=mail",
        "/articles/facet-joints-explained/?page=2",  # the article has no pages
    ],
)
def test_searches_and_made_up_addresses_are_private(client, path):
    make_article()

    response = client.get(path)

    assert is_private(response)


def test_a_visitor_with_a_session_gets_a_private_page(client):
    make_article()
    client.cookies["sessionid"] = "a-visitor-with-a-session"

    assert is_private(client.get("/articles/facet-joints-explained/"))


def test_staff_pages_previews_and_the_form_are_never_public(clinician_client, client):
    make_article()
    draft = make_article("Draft", published=False)

    for response in (
        clinician_client.get("/articles/"),
        clinician_client.get(draft.get_absolute_url()),
        clinician_client.get("/admin/"),
        client.get("/appointments/request/"),
        client.get("/es/appointments/request/"),
    ):
        assert "public" not in cache_control(response)
        assert "no-store" in cache_control(response) or "private" in cache_control(response)


def test_a_missing_page_is_not_kept(client):
    response = client.get("/articles/not-yet/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "public" not in cache_control(response)


def test_a_cache_outage_still_serves_the_page(client, monkeypatch):
    make_article()

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    for method in ("get", "set", "add", "incr"):
        monkeypatch.setattr(edge_cache.cache, method, broken)

    response = client.get("/articles/")

    assert response.status_code == HTTPStatus.OK
    assert "Facet joints explained" in response.text


# Purges.


class FakeEdge(ThreadingHTTPServer):
    """An edge's purge address on a free loopback port: notes each PURGE, answers
    200 for a page it holds, 404 for one it does not, or ``status`` for every one."""

    def __init__(self, status=None):
        self.purged, self.status = [], status
        edge = self

        class Handler(BaseHTTPRequestHandler):
            def do_PURGE(self):
                edge.purged.append((self.path, self.headers.get("Accept-Encoding", "")))
                self.send_response(edge.status or (200 if self.path == "/" else 404))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


def test_a_published_change_purges_every_public_page_in_both_encodings(
    settings, django_capture_on_commit_callbacks
):
    article = make_article(topics=[make_topic()])
    make_location()
    with FakeEdge() as edge:
        settings.EDGE_PURGE_URLS = [edge.url]
        with django_capture_on_commit_callbacks(execute=True):
            article.title = "Facet joints, corrected"
            article.save()

    paths = {path for path, _ in edge.purged}
    expected = {
        "/",
        "/es/",
        "/articles/",
        "/es/articles/",
        "/articles/feed/",
        "/es/articles/feed/",
        "/articles/facet-joints-explained/",
        "/articles/topics/facet-joints/",
        "/locations/",
        "/es/locations/",
        "/sitemap.xml",
    }
    assert expected <= paths
    assert sorted(edge.purged) == sorted(
        (path, encoding) for path in paths for encoding in ("gzip", "identity")
    )


def test_one_transaction_purges_once(settings, django_capture_on_commit_callbacks):
    article = make_article()
    with FakeEdge() as edge:
        settings.EDGE_PURGE_URLS = [edge.url]
        with django_capture_on_commit_callbacks(execute=True):
            article.title = "Changed"
            article.save()
            article.topics.set([make_topic()])

    assert edge.purged.count(("/articles/", "gzip")) == 1


def test_an_unpublished_article_is_purged_although_no_list_names_it(
    settings, django_capture_on_commit_callbacks
):
    article = make_article()
    with FakeEdge() as edge:
        settings.EDGE_PURGE_URLS = [edge.url]
        with django_capture_on_commit_callbacks(execute=True):
            article.status = Article.Status.DRAFT
            article.save()

    assert ("/articles/facet-joints-explained/", "gzip") in edge.purged


def test_no_purge_without_edges(settings, django_capture_on_commit_callbacks):
    settings.EDGE_PURGE_URLS = []
    with django_capture_on_commit_callbacks(execute=True):
        make_article()

    assert not DBTaskResult.objects.exists()


@pytest.fixture
def database_queue(settings):
    """Tasks stored as in production (tests/settings.py runs them at once)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_failed_purge_is_tried_again_later(settings, database_queue):
    with FakeEdge(status=HTTPStatus.BAD_GATEWAY) as edge:
        settings.EDGE_PURGE_URLS = [edge.url]
        outcome = edge_cache.purge_pages.call(["/gone/"])

    assert outcome == "failed, will try again"
    retry = DBTaskResult.objects.get()
    assert retry.args_kwargs["args"] == [["/gone/"], 2]
    wait = (retry.run_after - timezone.now()).total_seconds()
    assert 0 < wait <= edge_cache.RETRY_SECONDS[0]


def test_an_unreachable_edge_is_tried_again_and_given_up_on_after_five_minutes(
    settings, database_queue
):
    with FakeEdge() as edge:
        settings.EDGE_PURGE_URLS = [edge.url]
    # The server is closed now: nothing listens there.
    assert edge_cache.purge_pages.call([], 2) == "failed, will try again"
    assert sum(edge_cache.RETRY_SECONDS) <= edge_cache.SHARED_SECONDS
    assert edge_cache.purge_pages.call([], len(edge_cache.RETRY_SECONDS) + 1) == "failed"


def test_a_scheduled_publication_is_purged_at_its_time(settings, database_queue):
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9"]
    publish_at = timezone.now() + timedelta(hours=2)

    make_article("Coming soon", publish_at=publish_at)

    due = DBTaskResult.objects.filter(run_after=publish_at)
    assert due.count() == 1
    assert due.get().task_path == "core.edge_cache.purge_pages"
