"""The edge cache (issue 25): the very deploy/nginx.conf in front of a real gunicorn,
with a real background worker purging it.

A page read again is served by nginx without reaching gunicorn; a published change is
visible through nginx within 5 s (the worker's PURGE); with gunicorn stopped, kept
articles are still served; staff pages, the form and a visitor with a session are
never kept; a Host header other than the site's name is never stored or served from
the cache. Skipped without Debian's nginx and its cache purge module, except with
REQUIRE_NGINX=1 (CI), where that fails the run.
"""

import os
import re
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import NamedTuple

import pytest
from django.utils import timezone

from tests.conftest import skip_or_fail
from tests.education.conftest import make_article
from tests.hardening.proxy import (
    NGINX,
    PURGE_MODULE,
    SERVER_NAME,
    client_tls_context,
    fetch,
    make_certificate,
    render_site_config,
    start_nginx,
)
from tests.hardening.test_abuse import (
    BASE_DIR,
    clean_environment,
    free_port,
    live_database,  # noqa: F401 (a fixture: the database gunicorn shares with the tests)
    running_gunicorn,
    stop,
    wait_until_up,
)

REQUIRE_NGINX = os.environ.get("REQUIRE_NGINX") == "1"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]

CANONICAL = {"Host": SERVER_NAME}


@pytest.fixture(scope="module", autouse=True)
def _nginx_installed():
    if not NGINX.exists() or not PURGE_MODULE.exists():
        skip_or_fail(
            f"needs Debian's nginx at {NGINX} and {PURGE_MODULE} "
            "(apt-get install nginx-light libnginx-mod-http-cache-purge)",
            REQUIRE_NGINX,
        )


@pytest.fixture
def shared_cache(test_redis):
    """The Redis the app processes and this one share (the fragments' content
    version), under a key prefix of this test's own."""
    return test_redis


def app_environment(live_database, shared_cache):  # noqa: F811 (the imported fixture)
    return {
        **clean_environment(),
        "DJANGO_SETTINGS_MODULE": "tests.hardening.live_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": f"{SERVER_NAME},127.0.0.1",
        "DATABASE_URL": live_database,
        "REDIS_URL": shared_cache.url,
        "REDIS_KEY_PREFIX": shared_cache.prefix,
        "TRUSTED_PROXY_COUNT": "1",
        "GUNICORN_ACCESS_LOG": "-",
        "WEB_CONCURRENCY": "1",
    }


@pytest.fixture(autouse=True)
def same_cache_as_the_app(settings, shared_cache):
    """This process records content changes where the app reads them (the prefixes
    clinic/settings.py makes of REDIS_KEY_PREFIX)."""
    backend = "django.core.cache.backends.redis.RedisCache"
    location, prefix = shared_cache.url, shared_cache.prefix
    settings.CACHES = {
        "default": {"BACKEND": backend, "LOCATION": location, "KEY_PREFIX": prefix},
        "pages": {"BACKEND": backend, "LOCATION": location, "KEY_PREFIX": f"{prefix}-pages"},
    }


class Site(NamedTuple):
    nginx: object
    gunicorn: subprocess.Popen
    gunicorn_port: int
    gunicorn_log: Path
    purge_url: str

    def get(self, path, headers=CANONICAL):
        return fetch(self.nginx.https_port, path, headers=headers, tls=self.nginx.tls)

    def app_hits(self, path):
        """How many GETs of ``path`` (without its query: gunicorn logs none) gunicorn
        answered, once it has logged every request before a marker sent straight to it."""
        marker = f"/edge-log-marker-{secrets.token_hex(8)}/"
        fetch(self.gunicorn_port, marker, headers={"Host": "127.0.0.1"})
        wait_for(lambda: marker in self.gunicorn_log.read_text(), 5, "gunicorn's log")
        return len(re.findall(rf'"GET {re.escape(path)}"', self.gunicorn_log.read_text()))


@contextmanager
def running_site(live_database, shared_cache, tmp_path):  # noqa: F811
    """gunicorn, then nginx with deploy/nginx.conf in front of it."""
    logs = tmp_path / "logs"
    logs.mkdir()
    port = free_port()
    env = {**app_environment(live_database, shared_cache), "GUNICORN_BIND": f"127.0.0.1:{port}"}
    with running_gunicorn(env, logs / "gunicorn.log") as process:
        wait_until_up(port, process, logs)
        workdir = tmp_path / "nginx"
        workdir.mkdir()
        certificate, key = make_certificate(workdir)
        (workdir / "static").mkdir()
        purge_port = free_port()
        site = render_site_config(
            http_port=free_port(),
            https_port=free_port(),
            upstream=f"127.0.0.1:{port}",
            static_root=workdir / "static",
            media_root=workdir / "static",
            certificate=certificate,
            key=key,
            workdir=workdir,
            purge_port=purge_port,
        )
        http_port = int(re.search(r"listen 127\.0\.0\.1:(\d+) default_server;", site)[1])
        https_port = int(re.search(r"listen 127\.0\.0\.1:(\d+) ssl", site)[1])
        proxy = start_nginx(workdir, site, http_port, https_port, client_tls_context(certificate))
        try:
            purge_url = f"http://127.0.0.1:{purge_port}"
            yield Site(proxy, process, port, logs / "gunicorn.log", purge_url)
        finally:
            proxy.stop()


@pytest.fixture
def site(live_database, shared_cache, tmp_path):  # noqa: F811
    with running_site(live_database, shared_cache, tmp_path) as running:
        yield running


@pytest.fixture
def worker(site, live_database, shared_cache, tmp_path, settings):  # noqa: F811
    """`manage.py run_worker` purging this nginx, and this process enqueueing for it."""
    settings.EDGE_PURGE_URLS = [site.purge_url]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    env = {**app_environment(live_database, shared_cache), "EDGE_PURGE_URLS": site.purge_url}
    log = tmp_path / "worker.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.2"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    # The 5 s a change may take run from a worker that is already polling, not from
    # one still starting up (seconds on a busy machine): wait for django-tasks-db's line.
    wait_for(lambda: "Starting worker" in log.read_text(), 60, "worker started")
    yield log
    stop(process, grace=5)


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"no {what} within {seconds} s")


def test_a_page_read_again_is_served_without_reaching_gunicorn(site):
    article = make_article()
    path = article.get_absolute_url()

    first, second, third = site.get(path), site.get(path), site.get(path)

    assert first.status == second.status == third.status == HTTPStatus.OK
    assert first.headers["X-Cache-Status"] == "MISS"
    assert second.headers["X-Cache-Status"] == third.headers["X-Cache-Status"] == "HIT"
    assert second.body == first.body
    assert site.app_hits(path) == 1


def test_both_encodings_are_kept_apart(site):
    path = make_article().get_absolute_url()

    zipped = site.get(path, headers={**CANONICAL, "Accept-Encoding": "gzip, deflate, br"})
    plain = site.get(path)
    zipped_again = site.get(path, headers={**CANONICAL, "Accept-Encoding": "gzip"})

    assert zipped.headers["Content-Encoding"] == "gzip"
    assert plain.headers["Content-Encoding"] is None and b"</html>" in plain.body
    assert zipped_again.headers["X-Cache-Status"] == "HIT"
    assert zipped_again.body == zipped.body


def test_a_published_change_is_visible_through_nginx_within_5_seconds(site, worker):
    article = make_article()
    path = article.get_absolute_url()
    site.get(path)
    assert site.get(path).headers["X-Cache-Status"] == "HIT"

    article.title = "Facet joints, corrected"
    article.save()
    changed = time.monotonic()
    wait_for(lambda: b"Facet joints, corrected" in site.get(path).body, 5, "corrected title")

    assert time.monotonic() - changed < 5
    # The list and the Spanish list were purged too: read afresh.
    assert b"Facet joints, corrected" in site.get("/articles/").body


def test_staff_pages_the_form_and_a_visitor_with_a_session_are_never_kept(site):
    path = make_article().get_absolute_url()
    session = {**CANONICAL, "Cookie": "sessionid=a-visitor-with-a-session"}

    with_session = [site.get(path, headers=session) for _ in range(2)]
    after_them = site.get(path)
    forms = [site.get("/appointments/request/") for _ in range(2)]
    spanish_forms = [site.get("/es/appointments/request/") for _ in range(2)]
    staff = [site.get("/admin/login/") for _ in range(2)]

    assert [reply.headers["X-Cache-Status"] for reply in with_session] == ["BYPASS"] * 2
    assert after_them.headers["X-Cache-Status"] == "MISS"  # nothing was stored for them
    for reply in forms + spanish_forms:
        assert reply.status == HTTPStatus.OK
        assert "no-store" in reply.headers["Cache-Control"]
        assert reply.headers["X-Cache-Status"] is None  # the form's own location: no cache
    assert all(reply.headers["X-Cache-Status"] is None for reply in staff)  # no cache there
    assert site.app_hits(path) == 3
    assert site.app_hits("/appointments/request/") == 2
    assert site.app_hits("/es/appointments/request/") == 2
    assert site.app_hits("/admin/login/") == 2


def test_the_received_pages_are_outside_the_cache(site):
    """After the form, a patient's received page: no cache lock to wait on, nothing kept
    (without a reference cookie it sends the patient back to the form)."""
    replies = [site.get(f"{prefix}/appointments/request/received/") for prefix in ("", "/es")]

    for reply in replies:
        assert reply.status == HTTPStatus.FOUND
        assert reply.headers["X-Cache-Status"] is None


@pytest.mark.parametrize("form", ["/appointments/request/", "/es/appointments/request/"])
def test_the_form_in_each_language_has_the_proxys_own_limit(site, form):
    """A script fetching the form from one address meets nginx's limit (burst 20),
    which answers 429 without reaching gunicorn."""
    statuses = [site.get(form).status for _ in range(25)]

    assert statuses[:21] == [HTTPStatus.OK] * 21
    assert HTTPStatus.TOO_MANY_REQUESTS in statuses[21:]
    assert site.app_hits(form) == statuses.count(HTTPStatus.OK)


def test_a_search_is_never_kept(site):
    make_article()

    replies = [site.get("/articles/?q=facet") for _ in range(2)]

    assert all(b"Facet joints explained" in reply.body for reply in replies)
    assert all(reply.headers["X-Cache-Status"] == "MISS" for reply in replies)
    assert site.app_hits("/articles/") == 2


def test_another_host_is_never_stored_nor_served_from_the_cache(site):
    path = make_article().get_absolute_url()
    evil = site.get(path, headers={"Host": "evil.example"})
    site.get(path)
    kept = site.get(path)

    evil_again = site.get(path, headers={"Host": "evil.example"})
    allowed_but_not_canonical = site.get(path, headers={"Host": "127.0.0.1"})

    assert kept.headers["X-Cache-Status"] == "HIT"  # the canonical name's copy
    assert evil.status == evil_again.status == HTTPStatus.BAD_REQUEST
    assert evil.headers["X-Cache-Status"] == evil_again.headers["X-Cache-Status"] == "BYPASS"
    assert allowed_but_not_canonical.status == HTTPStatus.OK
    assert allowed_but_not_canonical.headers["X-Cache-Status"] == "BYPASS"
    assert site.app_hits(path) == 4  # the evil twice, the first canonical, 127.0.0.1


def test_with_gunicorn_stopped_kept_articles_are_still_served(site):
    article = make_article()
    # A publication a few seconds ahead: nothing is kept past it (s-maxage), so the
    # copy expires within seconds, as every copy does within five minutes.
    make_article("Coming soon", publish_at=timezone.now() + timedelta(seconds=3))
    path = article.get_absolute_url()
    first = site.get(path)
    assert first.headers["X-Cache-Status"] == "MISS"
    assert int(re.search(r"s-maxage=(\d+)", first.headers["Cache-Control"])[1]) <= 4

    stop(site.gunicorn)
    never_kept = site.get("/articles/?q=facet")
    replies = []

    def stale():
        replies.append(site.get(path))
        return replies[-1].headers["X-Cache-Status"] == "STALE"

    wait_for(stale, 15, "stale copy served once the kept one expired")

    assert never_kept.status == HTTPStatus.BAD_GATEWAY
    assert all(reply.status == HTTPStatus.OK for reply in replies)
    assert all(reply.body == first.body for reply in replies)
