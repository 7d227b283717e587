"""Abuse (issue 6): the submission rate limit against two real app servers sharing
Redis, and against forged X-Forwarded-For headers behind trusted proxies.

Already proven elsewhere: the limit itself, per client, with a 429 page
(tests/appointments/test_rate_limit.py), a forged X-Forwarded-For with
TRUSTED_PROXY_COUNT=0 (test_forged_forwarded_for_header_does_not_escape_the_limit),
and the admin login lockout matrix, cool-off and proxy handling
(tests/clinic/test_security.py).
"""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from http import HTTPStatus
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection

from appointments.models import AppointmentRequest
from tests.appointments.conftest import REQUEST_URL, form_data
from tests.redis_server import TestRedis, connect

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_HARDENING_URL", "redis://127.0.0.1:6379/13")
LIMIT = 3
pytestmark = pytest.mark.servers


# Two gunicorn servers, as in production, sharing one database and one Redis.


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def shared_redis():
    """The Redis the servers share, under a key prefix of this run's own; skipped
    without Redis, unless REQUIRE_REDIS=1 (CI)."""
    return TestRedis(connect(REDIS_URL), REDIS_URL)


def clean_environment():
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "EMAIL_", "GUNICORN_", "REQUEST_"))
        and name not in {"DATABASE_URL", "REDIS_URL", "TRUSTED_PROXY_COUNT", "WEB_CONCURRENCY"}
    }


@pytest.fixture(scope="module")
def live_database(django_db_setup):
    """The database the servers share: the test database itself (tests using it are
    transactional, so they see the servers' rows)."""
    settings_dict = connection.settings_dict
    user = quote(settings_dict["USER"] or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    # A socket directory (scripts/with-postgres) goes in the URL percent-encoded.
    host = quote(settings_dict["HOST"] or "127.0.0.1", safe="")
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="module")
def live_servers(shared_redis, live_database, tmp_path_factory):
    """Two gunicorn servers (the project's gunicorn.conf.py) with REDIS_URL, as two
    app hosts behind a load balancer would run. Yields their ports."""
    logs = tmp_path_factory.mktemp("gunicorn")
    env = {
        **clean_environment(),
        "DJANGO_SETTINGS_MODULE": "tests.hardening.live_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": live_database,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": shared_redis.prefix,
        "REQUEST_RATE_LIMIT": str(LIMIT),
        "REQUEST_RATE_WINDOW_SECONDS": "600",
        "REQUEST_MIN_FILL_SECONDS": "0",
        "TRUSTED_PROXY_COUNT": "0",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "-",
    }
    with ExitStack() as servers:
        ports = [free_port(), free_port()]
        processes = [
            servers.enter_context(
                running_gunicorn(env, logs / f"{name}.log", "--bind", f"127.0.0.1:{port}")
            )
            for name, port in zip("ab", ports, strict=True)
        ]
        for port, process in zip(ports, processes, strict=True):
            wait_until_up(port, process, logs)
        yield ports


@contextmanager
def running_gunicorn(env, log_path, *arguments):
    """gunicorn as production starts it (clinic.wsgi, gunicorn.conf.py) with `env`,
    its output in log_path; stopped when the block ends."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "clinic.wsgi", *arguments],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            stop(process, grace=15)


def stop(process, grace=5):
    """SIGTERM, then SIGKILL if it has not ended within `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def wait_until_up(port, process, logs, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            status, _, _ = request(port, "GET", "/healthz/")
            if status == HTTPStatus.OK:
                return
        except OSError:
            pass
        time.sleep(0.2)
    output = "\n".join(path.read_text() for path in logs.iterdir())
    pytest.fail(f"gunicorn on port {port} did not start:\n{output}")


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        conn.close()


def load_form(port, headers=None):
    """What a patient's browser does first: load the form. Returns its CSRF cookie and
    the fields to send back, filled in."""
    status, response_headers, page = request(port, "GET", REQUEST_URL, headers=headers)
    assert status == HTTPStatus.OK, page
    cookies = SimpleCookie()
    for name, value in response_headers:
        if name.lower() == "set-cookie":
            cookies.load(value)
    fields = {
        **form_data(),
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1],
        "form_token": re.search(r'name="form_token" value="([^"]+)"', page)[1],
    }
    return cookies["csrftoken"].value, fields


def send_form(port, csrf_cookie, fields, headers=None):
    """Then send it. Returns the status (redirects are not followed)."""
    status, _, _ = request(
        port,
        "POST",
        REQUEST_URL,
        body=urlencode(fields, doseq=True),
        headers={
            **(headers or {}),
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
        },
    )
    return status


def submit_through(port, headers=None):
    return send_form(port, *load_form(port, headers), headers)


@pytest.fixture
def fresh_limits(shared_redis, live_servers):
    """No rate counts of the servers' in Redis, before and after."""
    shared_redis.clear()
    yield live_servers
    shared_redis.clear()


@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_across_two_server_processes_sharing_redis(fresh_limits, live_database):
    first, second = fresh_limits
    rows_before = AppointmentRequest.objects.count()

    statuses = [submit_through(port) for port in [first, second] * LIMIT]

    assert statuses == [HTTPStatus.FOUND] * LIMIT + [HTTPStatus.TOO_MANY_REQUESTS] * LIMIT
    assert AppointmentRequest.objects.count() - rows_before == LIMIT


@pytest.mark.django_db(transaction=True)
def test_a_forged_forwarded_for_does_not_escape_the_limit_on_the_real_servers(
    fresh_limits, live_database
):
    first, second = fresh_limits

    statuses = [
        submit_through(port, headers={"X-Forwarded-For": f"198.51.100.{n}"})
        for n, port in enumerate([first, second] * LIMIT)
    ]

    assert statuses == [HTTPStatus.FOUND] * LIMIT + [HTTPStatus.TOO_MANY_REQUESTS] * LIMIT


@pytest.mark.django_db(transaction=True)
def test_the_limit_holds_when_submissions_reach_both_servers_at_once(fresh_limits, live_database):
    ports = fresh_limits * LIMIT
    forms = [load_form(port) for port in ports]
    barrier = threading.Barrier(len(ports))
    rows_before = AppointmentRequest.objects.count()

    def send(port, form):
        barrier.wait()
        return send_form(port, *form)

    with ThreadPoolExecutor(max_workers=len(ports)) as pool:
        statuses = list(pool.map(send, ports, forms))

    assert sorted(statuses) == [HTTPStatus.FOUND] * LIMIT + [HTTPStatus.TOO_MANY_REQUESTS] * LIMIT
    assert AppointmentRequest.objects.count() - rows_before == LIMIT


# Behind trusted proxies (TRUSTED_PROXY_COUNT=1 or 2), in-process.

PROXY = "10.0.0.1"  # the last proxy: what the app sees as REMOTE_ADDR
PATIENT = "203.0.113.5"


def forwarded_for(client_part, proxies):
    """The header as the proxies pass it on: whatever the client sent, then the address
    each trusted proxy saw appended (the client's, then the inner proxies')."""
    appended = [PATIENT, *(f"10.0.0.{n}" for n in range(2, proxies + 1))]
    return ", ".join([client_part, *appended])


@pytest.fixture
def limit_of_three(settings, location):
    settings.REQUEST_RATE_LIMIT = LIMIT


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [1, 2])
def test_a_forged_forwarded_for_cannot_escape_the_limit_behind_trusted_proxies(
    client, limit_of_three, settings, proxies
):
    settings.TRUSTED_PROXY_COUNT = proxies
    for n in range(LIMIT):
        response = client.post(
            REQUEST_URL,
            form_data(),
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded_for(f"198.51.100.{n}", proxies),
        )
        assert response.status_code == HTTPStatus.FOUND

    response = client.post(
        REQUEST_URL,
        form_data(),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for("198.51.100.99", proxies),
    )

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_patient_has_their_own_allowance(
    client, limit_of_three, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(LIMIT):
        client.post(REQUEST_URL, form_data(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=PATIENT)

    response = client.post(
        REQUEST_URL, form_data(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.77"
    )

    assert response.status_code == HTTPStatus.FOUND
