"""A shared cache of public pages for patients, emptied whenever content changes.

Patients have no accounts, so the article pages, the home page and the locations
page are the same for all of them: render once, then serve the finished response
(compressed, headers and all) from the cache, Redis in production, shared by every
app process. Views opt in with ``@cache_public_page``; PatientPageCacheMiddleware
stores and serves them, near the top of the middleware stack so that a hit costs
about as much as a static file.

Staff, and anyone with a session (after sending the form), always get a fresh page,
and so do searches (``?q=``: their keys would be unbounded) and any address that is
not the canonical one. Pages are keyed by language, scheme, host (checked against
ALLOWED_HOSTS first) and address. The language is the address's own (/es/... is
Spanish, the rest English; never the browser's Accept-Language), named in the key as
well so that no page can ever be served in the other language.

Every save or delete of a model an app registers with refresh_pages_when_changed()
(articles, topics, clinicians, locations) bumps a version number that is part of
each key, so a change shows at once on every server. A scheduled article appears on
time because no page is kept past the next change an app registers with
schedule_changes(). If the cache is down, pages are simply rendered.

Slow-changing fragments (the footer's locations, the emergency notice, ...) go
through remember(): kept in the shared cache and in each process, under the content
version (content_version()).

With Redis, each process also keeps a copy of the pages it served, and knows the
content version without asking for it: content_changed() announces every new
version on a Redis channel, and each process reads the announcements that have
arrived at the start of each request, without waiting (core.version_notices). So a
kept page, or the fragments of a page rendered afresh, cost no round trip to Redis;
once a second the version is read anyway, in case an announcement was lost.
"""

import hashlib
import logging
import pickle
import re
import time
from functools import wraps

from asgiref.local import Local
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.connection import ConnectionProxy

from core.version_notices import VersionNotices

logger = logging.getLogger(__name__)


class OneClientPerPool:
    """Stands in for the redis.Redis class in Django's RedisCache, which builds a new
    client object on every call (measured at half the cost of a lookup): one client
    per connection pool instead. A redis-py client with its pool is thread-safe."""

    def __init__(self, client_class):
        self.client_class = client_class
        self.clients = {}

    def __call__(self, connection_pool):
        client = self.clients.get(connection_pool)
        if client is None:
            client = self.clients[connection_pool] = self.client_class(
                connection_pool=connection_pool
            )
        return client


class CacheReusingClients(ConnectionProxy):
    """caches[alias], like Django's own ``cache`` proxy, with one Redis client reused
    (OneClientPerPool) when the backend is Django's RedisCache."""

    def __getattr__(self, item):
        return getattr(self.backend(), item)

    def backend(self):
        backend = self._connections[self._alias]
        if isinstance(backend, RedisCache):
            redis_client = backend._cache  # Django's RedisCacheClient, made once
            if not isinstance(redis_client._client, OneClientPerPool):
                redis_client._client = OneClientPerPool(redis_client._client)
        return backend

    def redis(self):
        """The redis-py client, for what Django's cache API cannot do in one round
        trip; None when the cache is not Redis."""
        backend = self.backend()
        return backend._cache.get_client(write=True) if isinstance(backend, RedisCache) else None


# Pages and fragments have a cache of their own ("pages"), so that however many pages
# are kept, they can never evict the rate-limit counters in the default cache.
cache = CacheReusingClients(caches, "pages")

VERSION_KEY = "pages:version"
PAGE_SECONDS = 300
# Visitors carrying one of these may see something of their own on the page.
PERSONAL_COOKIES = {settings.SESSION_COOKIE_NAME, "messages"}
# The only query a kept page may have: a page number as the paginator writes it, from
# 2 (page 1 is the address without it) and without leading zeros. Anything else
# (?page=007, ?page=junk, ?page=2&page=3, ?utm_source=...) is rendered, never kept,
# so nobody can fill the cache with made-up addresses.
CANONICAL_QUERY = re.compile(r"page=(?:[2-9]|[1-9][0-9]{1,5})")
# The test GZipMiddleware makes (below this one): the same parsing, so the same answer.
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def new_version():
    """A version to start from when the cache has none (empty, flushed or evicted):
    the time in microseconds, never one an earlier start counted up to, so nothing
    kept under an old number (pages, or fragments in a process) can be current again."""
    return time.time_ns() // 1000


# The version read for the request being served (see content_version()); set only
# between PatientPageCacheMiddleware's start and end of a request.
_request = Local()


def content_changed(**kwargs):
    """Signal receiver: make every cached page stale once the change is committed, so
    that no page another process renders from the rows as they were is kept under
    the new version; inside a transaction also at once, for the rest of its request."""
    if transaction.get_connection().in_atomic_block:
        new_content_version()
    transaction.on_commit(new_content_version)


def new_content_version():
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        version = new_version()
        cache.set(VERSION_KEY, version, None)
    except Exception:  # the cache is down: nothing is served from it either
        logger.warning("cache unavailable; content change not recorded")
        return
    notices.announce(version)
    if getattr(_request, "active", False):
        _request.version = version  # the rest of this request sees the change


def read_version():
    """The content version in the cache, started (new_version()) if there is none."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, new_version(), None)
        version = cache.get(VERSION_KEY)
    return version


def content_version():
    """The content version: once per request, from this process's notices (Redis) or
    read from the cache (the middleware keeps it for the rest of the request); read
    on every call outside a request (commands, the worker)."""
    version = getattr(_request, "version", None)
    if version is None:
        if getattr(_request, "active", False):
            version = _request.version = notices.version()
        else:
            version = read_version()
    return version


notices = VersionNotices(cache, VERSION_KEY, read_version)


# This process's copies of remembered values: name -> (version, until, value).
_kept = {}


def remember(name, compute, seconds=PAGE_SECONDS, *, shared=True):
    """compute(), kept until content changes (or ``seconds`` pass): in this process,
    and (``shared``) in the shared cache for the other processes; computed anyway if
    the cache is down. The value is shared by every request of the process: never
    change it.

    ``shared=False`` for values best not pickled (model instances): each process
    computes its own once per version. Such a copy is only as fresh as the version
    is shared: with the local-memory cache (development, tests, one process), where
    another process's change would never reach it, they are computed every time."""
    try:
        version = None if not shared and is_local(cache) else content_version()
    except Exception:
        logger.warning("cache unavailable; computing %s", name)
        version = None
    if version is None:
        return compute()
    now = time.monotonic()
    kept = _kept.get(name)
    if kept is not None and kept[0] == version and kept[1] > now:
        return kept[2]
    key = f"content:{version}:{name}"
    value = remember_shared(key, compute, seconds) if shared else compute()
    _kept[name] = (version, now + seconds, value)
    return value


def is_local(cache):
    return isinstance(cache._connections[cache._alias], LocMemCache)


def remember_shared(key, compute, seconds):
    try:
        value = cache.get(key)
    except Exception:
        logger.warning("cache unavailable; computing %s", key)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, seconds)
        except Exception:
            logger.warning("cache unavailable; %s not stored", key)
    return value


# Each app says when its next scheduled change is (an article's publish_at, say):
# name -> callable returning an aware datetime or None. See schedule_changes().
_scheduled_changes = {}


def refresh_pages_when_changed(*models, m2m_through=()):
    """Make every cached page stale whenever one of these models is saved or deleted.

    Each app calls this from its AppConfig.ready() for the models patients see.
    """
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        label = model._meta.label
        post_save.connect(content_changed, sender=model, dispatch_uid=f"pages-save-{label}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"pages-del-{label}")
    for through in m2m_through:
        label = through._meta.label
        m2m_changed.connect(content_changed, sender=through, dispatch_uid=f"pages-m2m-{label}")


def schedule_changes(name, next_change):
    """Register next_change(): when content patients see changes on its own next (a
    scheduled publication), or None. No page is kept past the earliest of them."""
    _scheduled_changes[name] = next_change


def next_scheduled_change():
    moments = [moment for source in _scheduled_changes.values() if (moment := source())]
    return min(moments, default=None)


def seconds_to_keep():
    """How long a page may be kept: until the next scheduled change, at most 5 minutes."""
    upcoming = remember("next-scheduled-change", lambda: next_scheduled_change() or "")
    if not upcoming:
        return PAGE_SECONDS
    return max(1, min(PAGE_SECONDS, int((upcoming - timezone.now()).total_seconds()) + 1))


def cache_public_page(view=None, *, paged=False):
    """Let PatientPageCacheMiddleware keep this view's 200 responses for patients.

    ``paged=True`` for views that take ``?page=``: only theirs are kept with one.
    """
    if view is None:
        return lambda view: cache_public_page(view, paged=paged)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.patient_cacheable = True
        response.patient_paged = paged
        return response

    return wrapper


def is_cacheable(request):
    """A GET by a visitor with no session, to a canonical address (see CANONICAL_QUERY)."""
    query = request.META.get("QUERY_STRING", "")
    return (
        request.method == "GET"
        and not PERSONAL_COOKIES.intersection(request.COOKIES)
        and (not query or CANONICAL_QUERY.fullmatch(query) is not None)
    )


def page_language(request):
    """The language the page is in: its address's prefix, else the default. This runs
    before LocaleMiddleware, which decides the same way (the URL alone)."""
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def page_key(request):
    """The page's key: language, scheme, host and address, and whether it is gzipped.

    request.get_host() raises DisallowedHost (a 400) for a host not in ALLOWED_HOSTS,
    before anything is looked up: a forged Host can neither read nor write a page.
    """
    encoding = (
        "gzip" if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")) else "identity"
    )
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    # "2": what is kept has changed to (version, until, response) from (version,
    # response). New keys for a new shape, so that during a rolling deploy the old
    # processes and the new never read each other's pages.
    return f"pages:2:{page_language(request)}:{encoding}:{digest}"


# This process's copies of the pages it served from Redis or rendered, with Redis
# as the page cache: key -> (version, until, pickled response). Bounded, like the
# shared cache; emptied whole when full (a flood of made-up addresses keeps nothing:
# only canonical addresses are kept, see CANONICAL_QUERY).
_pages = {}
PROCESS_PAGES = 300


def forget_process_copies():
    """Drop what this process keeps (pages, fragments, the version it heard), as a
    new process would start: for tests, which empty Redis between them."""
    notices.stop_listening()
    notices.forget()
    _pages.clear()
    _kept.clear()


class PatientPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The request's content version, read at most once (content_version()).
        _request.active, _request.version = True, None
        try:
            return self.serve(request)
        finally:
            _request.active, _request.version = False, None

    def serve(self, request):
        if not is_cacheable(request):
            return self.get_response(request)
        key = page_key(request)
        try:
            version = content_version()
            now = time.monotonic()
            copy = _pages.get(key)
            if copy is not None and copy[0] == version and copy[1] > now:
                # Each request its own response object, from bytes this process made.
                return pickle.loads(copy[2])  # noqa: S301
            kept_version, until, kept_response = cache.get(key) or (None, None, None)
        except Exception:  # a cache outage costs speed, never the page
            logger.warning("cache unavailable; rendering %s", request.path)
            return self.get_response(request)
        if kept_response is not None and kept_version == version:
            self.keep_in_process(key, version, until, kept_response)
            return kept_response
        response = self.get_response(request)
        if self.should_keep(request, response):
            seconds = seconds_to_keep()
            until = time.time() + seconds
            try:
                cache.set(key, (version, until, response), seconds)
            except Exception:
                logger.warning("cache unavailable; %s not stored", request.path)
            self.keep_in_process(key, version, until, response)
        return response

    @staticmethod
    def keep_in_process(key, version, until, response):
        """A copy in this process, with Redis as the page cache (with the local-memory
        cache, the cache is this process already): current for the same version, and
        no longer than the shared copy (``until``, a time.time())."""
        if is_local(cache):
            return
        try:
            copy = pickle.dumps(response)
        except Exception:  # served all the same, only not kept here
            logger.warning("page not picklable; %s not kept in this process", key)
            return
        if len(_pages) >= PROCESS_PAGES:
            _pages.clear()
        _pages[key] = (version, time.monotonic() + (until - time.time()), copy)

    @staticmethod
    def should_keep(request, response):
        return (
            getattr(response, "patient_cacheable", False)
            # A page number only where the view really pages (and it was in range: 200).
            and (not request.GET or getattr(response, "patient_paged", False))
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            # A nonce must differ per response: a page using one is never kept.
            and "'nonce-" not in response.get("Content-Security-Policy", "")
            and "no-store" not in response.get("Cache-Control", "")
        )
