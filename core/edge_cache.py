"""Patients' pages are kept by the front proxy (nginx, deploy/nginx.conf), not by the app.

The app only says what may be kept, and tells the proxy when content changes:

- Views opt in with ``@cache_public_page``. For an anonymous GET of such a page
  (no session or messages cookie, the canonical address) EdgeCacheMiddleware sends
  ``Cache-Control: public, max-age=30, s-maxage=N``, N no longer than the next
  scheduled change (an article's publication time, a location opening) and at most
  five minutes. Anything else (staff, a visitor with a session, a search, a preview,
  a response that sets a cookie or uses a CSP nonce) gets ``private, no-store``.
  nginx stores only what says ``public``.
- Each app registers the models patients see (purge_when_changed()) and lists its
  public pages (public_pages()). After a change is committed, one task (purge_pages)
  sends an HTTP PURGE for every public page to each edge in ``EDGE_PURGE_URLS``
  (empty: no purge), retried on failure; a scheduled publication gets a purge at its
  time (purge_at()). The s-maxage is the backstop if every try fails.

Fragments every page shows alike (the footer, the emergency notice) go through
remember(): Django's cache, under a content version the same changes move on.
"""

import http.client
import logging
import time
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from asgiref.local import Local
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.tasks import task
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.connection import ConnectionProxy

logger = logging.getLogger(__name__)

# Fragments have a cache of their own ("pages"), so that they can never evict the
# rate-limit counters in the default cache.
# caches["pages"] of the thread at hand, as django.core.cache.cache is for "default".
cache = ConnectionProxy(caches, "pages")

SHARED_SECONDS = 300  # the longest the edge keeps a page (s-maxage)
BROWSER_SECONDS = 30  # the longest a browser keeps one without asking (max-age)
VERSION_KEY = "content:version"
# Visitors carrying one of these may see something of their own on the page; nginx
# bypasses its cache for them too (deploy/nginx.conf).
PERSONAL_COOKIES = {settings.SESSION_COOKIE_NAME, "messages"}
# The only query a kept page may have: a page number as the paginator writes it, from
# 2 and without leading zeros. Anything else (?q=, ?page=007, ?utm_source=) is private,
# so nobody can fill the edge with made-up addresses.
CANONICAL_PAGE = "page="


def is_canonical_query(query):
    number = query.removeprefix(CANONICAL_PAGE)
    return number != query and number.isdigit() and number[0] != "0" and int(number) >= 2


# Pages.


def cache_public_page(view=None, *, paged=False):
    """Let the edge keep this view's 200 responses for patients (EdgeCacheMiddleware).
    ``paged=True`` for views that take ``?page=``: only theirs are kept with one."""
    if view is None:
        return lambda view: cache_public_page(view, paged=paged)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.public_page, response.public_paged = True, paged
        return response

    return wrapper


def is_cacheable(request, paged):
    query = request.META.get("QUERY_STRING", "")
    return (
        request.method in ("GET", "HEAD")
        and not PERSONAL_COOKIES.intersection(request.COOKIES)
        and (not query or (paged and is_canonical_query(query)))
    )


def may_keep(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # A nonce must differ per response: a page using one is never shared.
        and "'nonce-" not in response.get("Content-Security-Policy", "")
        and not {"private", "no-store"} & set(response.get("Cache-Control", "").split(", "))
    )


class EdgeCacheMiddleware:
    """Cache-Control for the pages marked with @cache_public_page. Above every
    middleware that sets a cookie or a CSP header, so that it sees them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The content version and the next scheduled change are read once per request
        # (content_version(), seconds_to_keep()).
        _request.active, _request.version, _request.upcoming = True, None, None
        try:
            response = self.get_response(request)
            if getattr(response, "public_page", False):
                self.say_how_long_to_keep(request, response)
        finally:
            _request.active, _request.version, _request.upcoming = False, None, None
        return response

    @staticmethod
    def say_how_long_to_keep(request, response):
        if is_cacheable(request, response.public_paged) and may_keep(response):
            seconds = seconds_to_keep()
            patch_cache_control(
                response, public=True, max_age=min(BROWSER_SECONDS, seconds), s_maxage=seconds
            )
        else:
            patch_cache_control(response, private=True, no_store=True)


# Each app says when content patients see changes on its own next (a scheduled
# publication, a location opening): name -> callable returning a datetime or None.
_scheduled_changes = {}


def schedule_changes(name, next_change):
    _scheduled_changes[name] = next_change


def next_scheduled_change():
    moments = [moment for source in _scheduled_changes.values() if (moment := source())]
    return min(moments, default=None)


def seconds_to_keep():
    """How long the edge may keep a page: until the next scheduled change, at most
    SHARED_SECONDS."""
    upcoming = getattr(_request, "upcoming", None)
    if upcoming is None:
        upcoming = remember("next-scheduled-change", lambda: next_scheduled_change() or "")
        if getattr(_request, "active", False):
            _request.upcoming = upcoming
    if not upcoming:
        return SHARED_SECONDS
    return max(1, min(SHARED_SECONDS, int((upcoming - timezone.now()).total_seconds()) + 1))


# Fragments.


def remember(name, compute, seconds=SHARED_SECONDS, *, shared_only=False):
    """compute(), kept in the cache until content changes or ``seconds`` pass; computed
    anyway if the cache is down. None is never kept.

    ``shared_only`` for what a request acts on (model instances): kept only in a cache
    every process shares (Redis). The local-memory cache is one process's, and another
    process's change never moves its content version on, so those are computed every
    time there (development, tests, a single process)."""
    if shared_only and isinstance(caches["pages"], LocMemCache):
        return compute()
    try:
        version = content_version()
        value = cache.get(name, version=version)
    except Exception:
        logger.warning("cache unavailable; computing %s", name)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(name, value, seconds, version=version)
        except Exception:
            logger.warning("cache unavailable; %s not stored", name)
    return value


# The content version (and the next scheduled change) read for the request being
# served: set only between EdgeCacheMiddleware's start and end of a request, so each
# request reads them once.
_request = Local()


def content_version():
    version = getattr(_request, "version", None)
    if version is None:
        version = cache.get(VERSION_KEY)
        if version is None:
            # Never a number an earlier start counted up to: the time in microseconds.
            cache.add(VERSION_KEY, time.time_ns() // 1000, None)
            version = cache.get(VERSION_KEY)
        if getattr(_request, "active", False):
            _request.version = version
    return version


def new_content_version():
    # The rest of this request reads the new ones.
    _request.version = _request.upcoming = None
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted: the next read starts a new one
        pass
    except Exception:
        logger.warning("cache unavailable; content change not recorded")


# Content changes.

# Each app's public pages: callables returning paths ("/articles/", "/es/").
_public_pages = []
# Paths changed in this thread's transactions, purged once they commit.
_pending = Local()


def public_pages(source):
    _public_pages.append(source)


def purge_when_changed(*models, paths=None, m2m_through=()):
    """After a save or delete of one of these models is committed, purge every public
    page, and the instance's own ``paths(instance)`` (an article just unpublished is
    in no list any more). Each app calls this from its AppConfig.ready()."""

    def changed(sender, instance=None, **kwargs):
        content_changed(paths(instance) if paths and instance is not None else ())

    for model in (*models, *m2m_through):
        label = model._meta.label
        uid = f"edge-{label}"
        if model in m2m_through:
            m2m_changed.connect(changed, sender=model, dispatch_uid=f"{uid}-m2m", weak=False)
        else:
            post_save.connect(changed, sender=model, dispatch_uid=f"{uid}-save", weak=False)
            post_delete.connect(changed, sender=model, dispatch_uid=f"{uid}-del", weak=False)


def content_changed(paths=()):
    """Fragments are stale at once (for the rest of a transaction's request too) and
    again at commit; the edge is purged once the change is committed."""
    if transaction.get_connection().in_atomic_block:
        new_content_version()
    if not hasattr(_pending, "paths"):
        _pending.paths = set()
    _pending.paths.update(paths)
    _pending.due = True
    transaction.on_commit(commit_change)


def commit_change():
    # Called once per change of the transaction: the first does the work.
    new_content_version()
    if not getattr(_pending, "due", False):
        return
    paths, _pending.paths, _pending.due = sorted(_pending.paths), set(), False
    if settings.EDGE_PURGE_URLS:
        purge_pages.enqueue(paths)


def purge_at(moment):
    """Purge every public page at ``moment`` (a scheduled publication coming due)."""
    backend = purge_pages.get_backend()
    if settings.EDGE_PURGE_URLS and backend.supports_defer:
        purge_pages.using(run_after=moment).enqueue([])


def all_public_paths(extra=()):
    paths = set(extra)
    for source in _public_pages:
        paths.update(source())
    return sorted(paths)


# How long to wait before each new try of a failed purge: past five minutes every
# page has expired anyway (SHARED_SECONDS).
RETRY_SECONDS = (2, 10, 30, 60, 120)
# A page is kept once per encoding, gzip or not (deploy/nginx.conf's cache key).
ENCODINGS = ("gzip", "identity")


@task
def purge_pages(paths, attempt=1):
    """PURGE every public page and ``paths`` from each edge; tried again later on
    failure. A page the edge does not hold (404) is purged already."""
    pages = all_public_paths(paths)
    failed = []
    for edge in settings.EDGE_PURGE_URLS:
        try:
            purge_edge(edge, pages)
        except Exception as error:
            logger.warning("Purging %s failed, try %s: %s", edge, attempt, error)
            failed.append(edge)
    if not failed:
        return f"purged {len(pages)} pages"
    if attempt > len(RETRY_SECONDS) or not purge_pages.get_backend().supports_defer:
        logger.error("Gave up purging %s; pages expire within %s s", failed, SHARED_SECONDS)
        return "failed"
    wait = timedelta(seconds=RETRY_SECONDS[attempt - 1])
    purge_pages.using(run_after=timezone.now() + wait).enqueue(paths, attempt + 1)
    return "failed, will try again"


def purge_edge(edge, paths):
    """One connection to the edge's purge address, one PURGE per page and encoding."""
    parts = urlsplit(edge)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname, parts.port, timeout=5)
    prefix = parts.path.rstrip("/")
    try:
        for path in paths:
            for encoding in ENCODINGS:
                connection.request("PURGE", prefix + path, headers={"Accept-Encoding": encoding})
                response = connection.getresponse()
                response.read()
                if response.status not in (200, 404):
                    raise RuntimeError(f"PURGE {path}: {response.status}")
    finally:
        connection.close()
