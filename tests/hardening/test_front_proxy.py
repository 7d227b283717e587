"""The front proxy (issue 17): a real nginx running deploy/nginx.conf in front of a
real gunicorn (gunicorn.conf.py, the production settings), as production runs them.

The findings it answers: 30 connections trickling header bytes made /healthz/
unanswerable under gunicorn's gthread workers, and 5 MB and 50 MB bodies to the
Request Appointment form were read in full. tests/hardening/proxy.py runs the
production site file itself, with only its "# SITE" values (ports, addresses, paths,
certificate) replaced.

Skipped without Debian's nginx (/usr/sbin/nginx, package nginx-light), except with
REQUIRE_NGINX=1 (CI), where that fails the run.
"""

import gzip
import os
import re
import secrets
import time
from http import HTTPStatus
from http.cookies import SimpleCookie
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import pytest

from tests.appointments.conftest import REQUEST_URL, form_data
from tests.conftest import skip_or_fail
from tests.hardening.proxy import (
    NGINX,
    SERVER_NAME,
    SITE_CONFIG,
    Trickle,
    client_tls_context,
    fetch,
    make_certificate,
    open_connection,
    read_head,
    render_site_config,
    seconds_until_closed,
    start_nginx,
)
from tests.hardening.test_abuse import (
    clean_environment,
    free_port,
    live_database,  # noqa: F401 (a fixture: the database gunicorn shares with the tests)
    running_gunicorn,
    wait_until_up,
)

REQUIRE_NGINX = os.environ.get("REQUIRE_NGINX") == "1"
# Whatever the live app writes to the shared PostgreSQL test database is emptied
# after each test.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]

SLOW_CLIENTS = 30
LIMIT = 2  # the app's own submissions per client (REQUEST_RATE_LIMIT)
MB = 1024 * 1024
# A hashed name as collectstatic writes it, and an unhashed one.
HASHED_CSS = "build/clinic.0123456789ab.css"
PLAIN_CSS = "build/clinic.css"
# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e5270de40000000049454e44ae426082"
)


@pytest.fixture(scope="module", autouse=True)
def _nginx_installed():
    if not NGINX.exists():
        skip_or_fail(
            f"needs Debian's nginx at {NGINX} (apt-get install nginx-light)", REQUIRE_NGINX
        )


class App(NamedTuple):
    port: int
    log: Path


@pytest.fixture(scope="module")
def gunicorn(live_database, tmp_path_factory):  # noqa: F811 (the imported fixture)
    """One gunicorn as production starts it (gunicorn.conf.py: sync workers),
    behind one proxy: TRUSTED_PROXY_COUNT=1, FORWARDED_ALLOW_IPS left at 127.0.0.1,
    and DEBUG off, so SECURE_SSL_REDIRECT is on as in production."""
    logs = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = {
        **clean_environment(),
        "DJANGO_SETTINGS_MODULE": "tests.hardening.live_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": live_database,
        "TRUSTED_PROXY_COUNT": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "-",
        "WEB_CONCURRENCY": "1",
        "REQUEST_RATE_LIMIT": str(LIMIT),
        "REQUEST_RATE_WINDOW_SECONDS": "600",
        "REQUEST_MIN_FILL_SECONDS": "0",
    }
    with running_gunicorn(env, logs / "gunicorn.log") as process:
        wait_until_up(port, process, logs)
        yield App(port, logs / "gunicorn.log")


@pytest.fixture(scope="module")
def site_files(tmp_path_factory):
    """A collected static root and a media root with an image and two files that must
    never run in the site's origin."""
    root = tmp_path_factory.mktemp("site")
    static, media = root / "staticfiles", root / "media"
    (static / "build").mkdir(parents=True)
    media.mkdir()
    css = "".join(f".rule-{n} {{ margin: {n}px; }}\n" for n in range(200))
    for name in (HASHED_CSS, PLAIN_CSS):
        (static / name).write_text(css)
    (media / "photo.png").write_bytes(PNG)
    (media / "drawing.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    (media / "page.html").write_text("<script>alert(1)</script>")
    return static, media


@pytest.fixture(scope="module")
def nginx(gunicorn, site_files, tmp_path_factory):
    """nginx with deploy/nginx.conf on two free loopback ports: HTTP and HTTPS."""
    workdir = tmp_path_factory.mktemp("nginx")
    pair = make_certificate(workdir)
    if pair is None:
        skip_or_fail("needs openssl to make the test's TLS certificate", REQUIRE_NGINX)
    certificate, key = pair
    static, media = site_files
    http_port, https_port = free_port(), free_port()
    site = render_site_config(
        http_port=http_port,
        https_port=https_port,
        upstream=f"127.0.0.1:{gunicorn.port}",
        static_root=static,
        media_root=media,
        certificate=certificate,
        key=key,
        workdir=workdir,
        purge_port=free_port(),
    )
    proxy = start_nginx(workdir, site, http_port, https_port, client_tls_context(certificate))
    try:
        yield proxy
    finally:
        proxy.stop()


def gunicorn_log_until_now(nginx, gunicorn, seconds=5):
    """gunicorn's log, once it has logged a request sent through nginx after every
    request before it had its answer (gunicorn writes a line just after answering)."""
    marker = f"/front-proxy-log-marker-{secrets.token_hex(8)}/"
    assert fetch(nginx.https_port, marker, tls=nginx.tls).status == HTTPStatus.NOT_FOUND
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        log = gunicorn.log.read_text()
        if marker in log:
            return log
        time.sleep(0.05)
    pytest.fail(f"gunicorn never logged {marker}:\n{log}")


# Slow clients.


def test_healthz_answers_within_a_second_while_30_clients_trickle_headers(nginx):
    half = SLOW_CLIENTS // 2
    with (
        Trickle(nginx.http_port, half) as plain,
        Trickle(nginx.https_port, SLOW_CLIENTS - half, tls=nginx.tls) as secure,
    ):
        probes = []
        for _ in range(4):  # over two seconds: each slow client sends 4 more bytes
            time.sleep(0.5)
            probes.append(fetch(nginx.http_port, "/healthz/"))  # the load balancer's
            probes.append(fetch(nginx.https_port, "/healthz/", tls=nginx.tls))
        open_while_probing = plain.still_open + secure.still_open

        # client_header_timeout (10 s) then ends every one of them.
        all_closed = plain.wait_until_all_closed(13) and secure.wait_until_all_closed(1)
        closed_after = [c.closed_after for c in plain.clients + secure.clients]

    assert open_while_probing == SLOW_CLIENTS
    assert [probe.status for probe in probes] == [HTTPStatus.OK] * len(probes)
    assert [probe.body for probe in probes] == [b"ok\n"] * len(probes)
    slowest = max(probe.elapsed for probe in probes)
    assert slowest < 1, f"/healthz/ took {slowest:.2f} s"
    assert all_closed, f"still open after 13 s: {closed_after}"
    assert all(9 < after < 13 for after in closed_after), closed_after


# Bodies.


def multipart_head(path, size, boundary="clinic-test-boundary"):
    return (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {size}\r\n"
        f"\r\n"
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="reason"; filename="scan.bin"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


def test_a_5_mb_form_post_is_refused_at_once_and_never_reaches_gunicorn(nginx, gunicorn):
    sock = open_connection(nginx.https_port, nginx.tls)
    try:
        start = time.monotonic()
        # The headers and the first 64 KB of a 5 MB body; the rest is never sent.
        sock.sendall(multipart_head(REQUEST_URL, 5 * MB) + b"x" * 65536)
        answer = read_head(sock, timeout=2)
        answered_after = time.monotonic() - start
        # The client then neither sends nor closes: nginx closes the connection.
        closed_after = seconds_until_closed(sock, limit=12)
    finally:
        sock.close()

    assert answer is not None, "no answer within 2 s"
    status, headers = answer
    assert status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert headers["server"] == "nginx"
    assert headers["connection"] == "close"
    assert answered_after < 1
    assert closed_after is not None, "nginx still held the connection after 12 s"
    assert f"POST {REQUEST_URL}" not in gunicorn_log_until_now(nginx, gunicorn)


def post_form_body(nginx, size):
    return fetch(
        nginx.https_port,
        REQUEST_URL,
        method="POST",
        body=b"reason=" + b"x" * (size - len(b"reason=")),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        tls=nginx.tls,
    )


def test_the_form_takes_64_kb_at_most_and_the_admin_10_mb(nginx, gunicorn):
    # 60 KB reaches Django (which refuses it for its missing CSRF token, with its page).
    within_the_limit = post_form_body(nginx, 60_000)
    too_big_for_the_form = post_form_body(nginx, 70_000)
    one_mb_to_the_admin = fetch(
        nginx.https_port,
        "/admin/login/",
        method="POST",
        body=b"x" * MB,
        headers={"Content-Type": "application/octet-stream"},
        tls=nginx.tls,
    )
    sock = open_connection(nginx.https_port, nginx.tls)
    try:
        sock.sendall(multipart_head("/admin/login/", 11 * MB))
        eleven_mb_to_the_admin = read_head(sock, timeout=2)
    finally:
        sock.close()

    assert within_the_limit.status == HTTPStatus.FORBIDDEN
    assert too_big_for_the_form.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert one_mb_to_the_admin.status == HTTPStatus.FORBIDDEN
    assert b"nginx" not in one_mb_to_the_admin.body
    assert eleven_mb_to_the_admin is not None
    assert eleven_mb_to_the_admin[0] == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    log = gunicorn_log_until_now(nginx, gunicorn)
    assert len(re.findall(rf'"POST {REQUEST_URL}" 403 ', log)) == 1  # the 60 KB one
    assert re.search(r'"POST /admin/login/" 403 ', log)


# Ordinary requests.


def test_pages_pass_through_over_https_and_django_sees_https(nginx, gunicorn):
    home = fetch(nginx.https_port, "/", tls=nginx.tls)
    # Straight to gunicorn, without X-Forwarded-Proto, the same page is a redirect:
    # the 200 above is Django believing nginx's "https".
    direct = fetch(gunicorn.port, "/", headers={"Host": "127.0.0.1"})

    assert home.status == HTTPStatus.OK
    assert home.headers["Server"] == "nginx"
    assert home.headers["Strict-Transport-Security"]  # only sent on secure requests
    assert "Content-Security-Policy" in home.headers  # Django's headers pass unchanged
    assert direct.status == HTTPStatus.MOVED_PERMANENTLY
    assert direct.headers["Location"].startswith("https://")


def test_plain_http_redirects_to_the_site_name_except_healthz(nginx):
    page = fetch(nginx.http_port, "/articles/?q=back", headers={"Host": "evil.example"})
    sneaky = fetch(nginx.http_port, "/healthz/../admin/")
    health = fetch(nginx.http_port, "/healthz/")

    assert page.status == HTTPStatus.MOVED_PERMANENTLY
    assert page.headers["Location"] == f"https://{SERVER_NAME}/articles/?q=back"
    assert page.headers["Server"] == "nginx"
    assert sneaky.status == HTTPStatus.MOVED_PERMANENTLY
    assert (health.status, health.body) == (HTTPStatus.OK, b"ok\n")


def test_static_files_come_from_nginx_with_long_caching_for_hashed_names(nginx):
    # The files exist only in nginx's static root: gunicorn would answer 404.
    hashed = fetch(
        nginx.https_port,
        f"/static/{HASHED_CSS}",
        headers={"Accept-Encoding": "gzip"},
        tls=nginx.tls,
    )
    plain = fetch(nginx.https_port, f"/static/{PLAIN_CSS}", tls=nginx.tls)

    assert hashed.status == HTTPStatus.OK
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["Content-Type"] == "text/css"
    assert hashed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(hashed.body) == plain.body
    assert hashed.headers["X-Content-Type-Options"] == "nosniff"
    assert hashed.headers["Server"] == "nginx"
    assert plain.status == HTTPStatus.OK
    assert plain.headers["Cache-Control"] == "public, max-age=3600"


def test_media_serves_images_and_nothing_a_browser_would_run(nginx):
    image = fetch(nginx.https_port, "/media/photo.png", tls=nginx.tls)
    svg = fetch(nginx.https_port, "/media/drawing.svg", tls=nginx.tls)
    html = fetch(nginx.https_port, "/media/page.html", tls=nginx.tls)

    assert image.status == HTTPStatus.OK
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["Content-Disposition"] is None
    for reply in (image, svg, html):
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in reply.headers["Content-Security-Policy"]
    for reply in (svg, html):
        assert reply.status == HTTPStatus.OK
        assert reply.headers["Content-Type"] == "application/octet-stream"
        assert reply.headers["Content-Disposition"] == "attachment"


def load_form(nginx):
    page = fetch(nginx.https_port, REQUEST_URL, tls=nginx.tls)
    assert page.status == HTTPStatus.OK, page.body[:500]
    html = page.body.decode()
    cookies = SimpleCookie()
    for value in page.headers.get_all("Set-Cookie"):
        cookies.load(value)
    fields = {
        **form_data(),
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1],
        "form_token": re.search(r'name="form_token" value="([^"]+)"', html)[1],
    }
    return cookies["csrftoken"].value, fields


def test_a_forged_forwarded_for_does_not_reach_the_app(nginx):
    """Each submission claims another client address; the app still counts them all
    as one client (nginx's view of the address), so its limit applies."""
    statuses = []
    for n in range(LIMIT + 1):
        csrf_cookie, fields = load_form(nginx)
        reply = fetch(
            nginx.https_port,
            REQUEST_URL,
            method="POST",
            body=urlencode(fields, doseq=True),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
                "Origin": "https://127.0.0.1",
                "X-Forwarded-For": f"198.51.100.{n}",
            },
            tls=nginx.tls,
        )
        statuses.append(reply.status)

    assert statuses == [HTTPStatus.FOUND] * LIMIT + [HTTPStatus.TOO_MANY_REQUESTS]


# Logs (issue 28): a search is what a patient typed, possibly a name or a condition.


def test_the_access_log_holds_no_query_strings(nginx):
    search = "/articles/?q=zed.patient%40example.com"
    came_from = f"https://{SERVER_NAME}/articles/?q=sciatica+zed"
    reply = fetch(nginx.https_port, search, headers={"Referer": came_from}, tls=nginx.tls)
    line = '"GET /articles/ HTTP/1.1" 200 '  # nginx writes it just after answering
    deadline = time.monotonic() + 5
    while line not in nginx.log("access.log") and time.monotonic() < deadline:
        time.sleep(0.05)
    log = nginx.log("access.log")

    assert reply.status == HTTPStatus.OK
    assert line in log
    assert f'"https://{SERVER_NAME}/articles/"' in log  # the page the visitor came from
    assert "zed" not in log and "sciatica" not in log and "?" not in log


def test_every_access_log_of_the_site_file_leaves_queries_out():
    text = SITE_CONFIG.read_text()
    logs = re.findall(r"^\s*access_log\s+([^;]*);", text, flags=re.MULTILINE)
    format_line = re.search(r"log_format clinic_paths (.*?);", text, flags=re.DOTALL)[1]

    assert [log for log in logs if log != "off" and not log.endswith(" clinic_paths")] == []
    assert len(logs) >= 2  # the site and the purge address
    assert "$request " not in format_line and "$request_uri" not in format_line
    assert "$args" not in format_line and "$http_referer" not in format_line
    assert "$uri" in format_line


# The same slow clients straight at gunicorn: why the proxy is there. Last, since it
# stalls the server until the clients leave.


def test_without_the_proxy_the_same_trickle_leaves_healthz_unanswered(gunicorn):
    port = gunicorn.port
    with Trickle(port, SLOW_CLIENTS):
        time.sleep(1)
        with pytest.raises(TimeoutError):
            fetch(port, "/healthz/", timeout=2)
    # Once they go, gunicorn answers again.
    reply = fetch(port, "/healthz/", timeout=10)
    assert reply.status == HTTPStatus.OK
