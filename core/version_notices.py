"""How each app process learns the pages' content version without asking Redis for
it on every request (core.page_cache): new versions are announced on a Redis channel
and heard by every process."""

import contextlib
import logging
import os
import threading
import time

logger = logging.getLogger(__name__)


class VersionNotices:
    """The content version as this process last heard it, so that a request needs no
    round trip to Redis to learn it.

    announce() publishes each new version on a Redis channel. Each process
    listens on a connection of its own (opened after the fork) and, at the start of
    each request, takes the announcements that have arrived without waiting for any:
    a change made by any process is seen by the next request everywhere. The version
    is read from Redis all the same when nothing has been heard for CONFIRM_SECONDS,
    so an announcement lost on the way (a listening connection cut without a word,
    Redis flushed or restarted) is outdated within a second. With the local-memory
    cache (one process) the version is simply read, as it costs nothing.

    ``cache`` is the page cache (its redis() gives the redis-py client, or None when
    it is not Redis), ``key`` the version's key in it, and ``read_version()`` reads
    the version from it.
    """

    CONFIRM_SECONDS = 1.0

    def __init__(self, cache, key, read_version):
        self.cache, self.key, self.read_version = cache, key, read_version
        self.lock = threading.Lock()  # one request at a time reads the channel
        self.forget()
        os.register_at_fork(after_in_child=self.forget)  # gunicorn's workers

    def forget(self):
        """Start again: after a fork, or a test that empties Redis."""
        self.listener = None
        self.heard = None  # the version last heard or read
        self.heard_at = 0.0
        self.listen_again_at = 0.0  # after a failure to listen, when to try again
        self.down_until = 0.0  # after a failure to read, when to try again

    def channel(self, client):
        # Channels ignore Redis's database numbers: name the database and prefix, so
        # that sites or test runs sharing a Redis server never hear each other.
        db = client.connection_pool.connection_kwargs.get("db", 0)
        return f"{self.cache.key_prefix}:{db}:{self.key}"

    def announce(self, version):
        """Tell every process (this one at once) that content changed."""
        client = self.cache.redis()
        if client is None:
            return
        self.heard, self.heard_at = version, time.monotonic()
        try:
            client.publish(self.channel(client), version)
        except Exception:  # the others read it within CONFIRM_SECONDS
            logger.warning("cache unavailable; content change not announced")

    def version(self):
        """The current content version, with no round trip to Redis if it can."""
        client = self.cache.redis()
        if client is None:
            return self.read_version()
        with self.lock:
            now = time.monotonic()
            if now < self.down_until:  # Redis failed us a moment ago: do not wait again
                raise ConnectionError("cache unavailable")
            listening = self.listen(client, now)
            if not listening or self.heard is None or now - self.heard_at > self.CONFIRM_SECONDS:
                try:
                    self.heard, self.heard_at = self.read_version(), now
                except Exception:
                    # A Redis that hangs costs one timeout a second per process, not
                    # one for each fragment of each page.
                    self.down_until = time.monotonic() + self.CONFIRM_SECONDS
                    raise
            return self.heard

    def listen(self, client, now):
        """Take the announcements that have arrived, starting to listen if need be;
        False when not listening (a Redis that refuses SUBSCRIBE, or is down): the
        version is then read for every request, which costs speed, not freshness."""
        try:
            if self.listener is None:
                if now < self.listen_again_at:
                    return False
                self.listener = client.pubsub()
                self.listener.subscribe(self.channel(client))
                self.listener.connection.register_connect_callback(self.reconnected)
            self.take_announcements()
        except Exception:
            logger.warning("cache unavailable; not listening for content changes")
            self.stop_listening()
            self.listen_again_at = time.monotonic() + self.CONFIRM_SECONDS
            return False
        return True

    def take_announcements(self):
        read_again = False
        for _ in range(100):
            message = self.listener.get_message(timeout=0)
            if message is None:
                break
            if message["type"] == "subscribe":
                # Subscribed (again): read the version, so that no change falls
                # between what was heard before and what will be.
                read_again = True
            elif message["type"] == "message":
                # Two processes' announcements may cross on the way; versions only
                # grow, so the higher one is the latest.
                self.heard = max(self.heard or 0, int(message["data"]))
                self.heard_at = time.monotonic()
        else:
            read_again = True  # a flood of changes (an import): the rest can wait
        if read_again:
            self.heard = None

    def reconnected(self, connection):
        """redis-py may reconnect a cut listening connection by itself, and subscribe
        again: what was announced in between is lost, so the version is read."""
        self.heard = None

    def stop_listening(self):
        listener, self.listener, self.heard = self.listener, None, None
        if listener is not None:
            with contextlib.suppress(Exception):  # already broken, most likely
                if listener.connection is not None:
                    listener.connection.deregister_connect_callback(self.reconnected)
                listener.close()
