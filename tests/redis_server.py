"""The Redis server the tests use, shared with whatever else runs on this machine
(another copy of the suite included).

Each test that needs Redis takes a key prefix of its own and removes only its own keys
at the end: never FLUSHDB (Django's RedisCache.clear() is one), which would empty
another run's keys in the same database.
"""

import os
import uuid

import pytest

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
REQUIRE_REDIS = os.environ.get("REQUIRE_REDIS") == "1"
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


class TestRedis:
    """A Redis database and a key prefix no other test or run shares."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, client, url=REDIS_TEST_URL):
        self.client = client
        self.url = url
        self.prefix = f"test-{uuid.uuid4().hex[:12]}"

    def cache(self, name="default", **options):
        """Settings for a Django RedisCache whose keys all start with this prefix."""
        return {
            "BACKEND": REDIS_CACHE,
            "LOCATION": self.url,
            "KEY_PREFIX": f"{self.prefix}-{name}",
            **options,
        }

    def keys(self, name=None):
        """Our keys (those of one cache if named): what DBSIZE would count if the
        database were ours alone."""
        pattern = f"{self.prefix}-{name}:*" if name else f"{self.prefix}*"
        return list(self.client.scan_iter(match=pattern, count=1000))

    def clear(self):
        keys = self.keys()
        if keys:
            self.client.delete(*keys)


def connect(url=REDIS_TEST_URL):
    """A client for `url`, or the test skips (fails where REQUIRE_REDIS=1)."""
    from tests.conftest import skip_or_fail

    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError:
        skip_or_fail(f"needs Redis at {url}", REQUIRE_REDIS)
    return client


@pytest.fixture
def test_redis():
    """A Redis key space of this test's own, emptied afterwards."""
    server = TestRedis(connect())
    yield server
    server.clear()
