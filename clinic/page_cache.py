"""A shared cache of public pages for patients, emptied whenever content changes.

Patients have no accounts, so the article pages, the home page and the locations
page are the same for all of them: render once, serve from the cache (Redis in
production, shared by every app process). Staff, and anyone with a session (after
sending the form), always get a fresh page.

Every save or delete of an article, topic, clinician or location bumps a version
number that is part of each key, so a change shows at once on every server. A
scheduled article appears on time because no page is kept past the next
``publish_at`` still to come.
"""

import hashlib
import logging
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

VERSION_KEY = "pages:version"
PAGE_SECONDS = 300
CACHEABLE_PARAMETERS = {"page"}  # searches (?q=) are not kept: their keys are unbounded


def content_changed(**kwargs):
    """Signal receiver: make every cached page stale."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(VERSION_KEY, 1, None)
    except Exception:  # the cache is down: nothing is served from it either
        logger.warning("page cache unavailable; content change not recorded")


def remember(name, compute, seconds=PAGE_SECONDS):
    """compute(), kept in the cache until content changes; computed anyway if the
    cache is down."""
    try:
        key = f"content:{cache.get_or_set(VERSION_KEY, 1, None)}:{name}"
        value = cache.get(key)
    except Exception:
        logger.warning("cache unavailable; computing %s", name)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, seconds)
        except Exception:
            logger.warning("cache unavailable; %s not stored", name)
    return value


def seconds_to_keep():
    from education.models import Article

    upcoming = Article.objects.scheduled().values_list("publish_at", flat=True).first()
    if upcoming is None:
        return PAGE_SECONDS
    return max(1, min(PAGE_SECONDS, int((upcoming - timezone.now()).total_seconds()) + 1))


def is_cacheable(request):
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and set(request.GET) <= CACHEABLE_PARAMETERS
    )


def cache_public_page(view):
    """Serve the view's 200 responses to patients from the shared cache."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_cacheable(request):
            return view(request, *args, **kwargs)
        try:
            version = cache.get_or_set(VERSION_KEY, 1, None)
            path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
            key = f"pages:{version}:{path}"
            cached = cache.get(key)
        except Exception:  # a cache outage costs speed, never the page
            logger.warning("page cache unavailable; rendering %s", request.path)
            return view(request, *args, **kwargs)
        if cached is not None:
            return cached
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            if hasattr(response, "render"):
                response.render()
            try:
                cache.set(key, response, seconds_to_keep())
            except Exception:
                logger.warning("page cache unavailable; %s not stored", request.path)
        return response

    return wrapper
