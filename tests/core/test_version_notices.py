"""With Redis, each process keeps copies of the pages it served and hears of content
changes on a Redis channel (core.page_cache.VersionNotices): a kept page costs no
round trip to Redis, and a change made in another process still reaches the next
request (issue 16)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from core import page_cache
from tests.core.test_fragments import REDIS_TEST_URL, location, pages_cache, renders_of

pytestmark = pytest.mark.django_db
__all__ = ["location", "pages_cache"]  # fixtures
with_redis = pytest.mark.parametrize("pages_cache", ["redis"], indirect=True)


@pytest.fixture
def heard_only(monkeypatch):
    """No reading of the version once a second: only what is heard on the channel (or
    a reconnection) can make this process see a change."""
    monkeypatch.setattr(page_cache.VersionNotices, "CONFIRM_SECONDS", 3600)


BASE_DIR = Path(__file__).resolve().parents[2]
PAGE, TEMPLATE = "/locations/", "appointments/location_list.html"


def change_content_in_another_process(redis_url=REDIS_TEST_URL):
    """content_changed() as an admin save in another app process runs it: the same
    Redis and key prefix as the pages cache of these tests (tests/core/test_fragments.py)."""
    script = f"""
import django
from django.conf import settings
settings.configure(
    DATABASES={{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}}},
    CACHES={{
        "default": {{"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "pages": {{"BACKEND": "django.core.cache.backends.redis.RedisCache",
                   "LOCATION": {redis_url!r}, "KEY_PREFIX": "p"}},
    }},
)
django.setup()
from core import page_cache
page_cache.content_changed()
"""
    subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, check=True, timeout=30)


def change_version_unannounced():
    """The version moved on, and no word of it reaches this process."""
    import redis

    key = page_cache.cache.make_key(page_cache.VERSION_KEY)
    redis.Redis.from_url(REDIS_TEST_URL).incr(key)


def visit(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    return response


class RedisCommands:
    """Counts the commands this process sends to Redis through any redis-py client."""

    def __init__(self, monkeypatch):
        import redis

        self.sent = []
        original = redis.Redis.execute_command

        def counting(client, *args, **options):
            self.sent.append(args[0])
            return original(client, *args, **options)

        monkeypatch.setattr(redis.Redis, "execute_command", counting)


@with_redis
def test_a_kept_page_costs_no_round_trip_to_redis(
    client, location, pages_cache, heard_only, monkeypatch
):
    first = visit(client).content
    visit(client)  # the listener's SUBSCRIBE confirmed by now, even on a slow machine
    commands = RedisCommands(monkeypatch)

    again = [visit(client).content for _ in range(3)]

    assert commands.sent == []
    assert again == [first] * 3


@with_redis
def test_a_change_in_another_process_reaches_the_next_request(
    client, location, pages_cache, heard_only
):
    visit(client)
    assert renders_of(TEMPLATE, lambda: visit(client), 2) == 0  # served from the copy

    change_content_in_another_process()

    assert renders_of(TEMPLATE, lambda: visit(client), 2) == 1  # rendered, then kept


@with_redis
def test_a_change_while_the_listening_connection_was_cut_is_not_lost(
    client, location, pages_cache, heard_only
):
    import redis

    visit(client)
    listener = page_cache.notices.listener
    host, port = listener.connection._sock.getsockname()[:2]
    admin = redis.Redis.from_url(REDIS_TEST_URL)
    assert admin.client_kill_filter(_type="pubsub", addr=f"{host}:{port}") == 1

    change_content_in_another_process()  # announced to nobody here

    assert renders_of(TEMPLATE, lambda: visit(client), 1) == 1
    page_cache.notices.listen_again_at = 0  # a second on: listening again
    visit(client)
    assert page_cache.notices.listener not in (None, listener)


@with_redis
def test_a_change_while_redis_py_reconnected_by_itself_is_not_lost(
    client, location, pages_cache, heard_only
):

    visit(client)
    visit(client)  # the listener's SUBSCRIBE confirmed by now
    listener = page_cache.notices.listener
    listener.connection.disconnect()  # as redis-py does before connecting again
    change_version_unannounced()

    assert renders_of(TEMPLATE, lambda: visit(client), 1) == 1
    assert page_cache.notices.listener is listener


@with_redis
def test_a_change_announced_to_nobody_is_seen_within_a_second(
    client, location, pages_cache, monkeypatch
):

    assert page_cache.notices.CONFIRM_SECONDS == 1.0
    visit(client)
    visit(client)  # the listener's SUBSCRIBE confirmed by now
    # The second is made a minute, so that a slow test run cannot pass it unseen.
    monkeypatch.setattr(page_cache.VersionNotices, "CONFIRM_SECONDS", 60)
    change_version_unannounced()

    assert renders_of(TEMPLATE, lambda: visit(client), 1) == 0  # the copy, for now
    page_cache.notices.heard_at -= 61  # the time is up
    assert renders_of(TEMPLATE, lambda: visit(client), 1) == 1


@with_redis
def test_sites_sharing_a_redis_server_do_not_hear_each_other(
    client, location, pages_cache, heard_only
):
    base, _, number = REDIS_TEST_URL.rpartition("/")
    visit(client)

    change_content_in_another_process(f"{base}/{int(number) - 1}")

    assert renders_of(TEMPLATE, lambda: visit(client), 1) == 0


@with_redis
def test_a_new_process_listens_afresh(client, location, pages_cache):
    """gunicorn forks its workers: none may read from its parent's connection."""
    visit(client)
    assert page_cache.notices.listener is not None

    pid = os.fork()
    if pid == 0:  # the child: report and leave at once, touching nothing
        notices = page_cache.notices
        os._exit(0 if notices.listener is None and notices.heard is None else 1)
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert page_cache.notices.listener is not None  # the parent's own is untouched


def test_with_the_local_memory_cache_nothing_is_kept_beside_it(client, location):
    assert settings.CACHES["pages"]["BACKEND"].endswith("LocMemCache")  # as in tests
    visit(client)
    visit(client)

    assert page_cache._pages == {}
    assert page_cache.notices.listener is None


@with_redis
def test_a_hung_redis_costs_one_wait_a_second_not_one_per_fragment(
    client, location, pages_cache, monkeypatch
):
    attempts = []

    def hung():  # as a read that waited out its timeout
        attempts.append(1)
        raise ConnectionError("timed out")

    monkeypatch.setattr(page_cache.notices, "read_version", hung)
    client.cookies["sessionid"] = "no-such-session"  # rendered, with its fragments

    for _ in range(3):
        response = client.get("/")
        assert response.status_code == 200
        assert location.name in response.content.decode()  # the footer, computed

    assert attempts == [1]
    page_cache.notices.down_until -= page_cache.notices.CONFIRM_SECONDS  # a second on
    client.get("/")
    assert attempts == [1, 1]


@pytest.mark.parametrize("pages_cache", ["local memory", "redis"], indirect=True)
def test_a_change_makes_pages_stale_again_once_committed(
    location, pages_cache, django_capture_on_commit_callbacks
):
    """Another process may render a page between the save and the commit, from the
    rows as they were: it must not be kept under the version the save started."""
    with django_capture_on_commit_callbacks(execute=True):
        location.name = "Riverside Spine Center"
        location.save()
        during = page_cache.read_version()

    assert page_cache.read_version() > during


@with_redis
def test_a_redis_that_refuses_subscribe_still_serves_kept_pages_and_fresh_ones(
    client, location, pages_cache, monkeypatch
):
    """Some hosted Redis plans forbid pub/sub: the version is then read for every
    request, which costs a round trip, never freshness."""
    import redis

    def refused(*args, **kwargs):
        raise redis.exceptions.ResponseError("NOPERM this user has no permissions")

    monkeypatch.setattr(redis.client.PubSub, "subscribe", refused)

    assert renders_of(TEMPLATE, lambda: visit(client), 3) == 1  # rendered, then kept
    change_content_in_another_process()
    assert renders_of(TEMPLATE, lambda: visit(client), 1) == 1  # seen at once
    assert page_cache.notices.listener is None
