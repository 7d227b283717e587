import sys

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from clinic.middleware import (
    database_unavailable_response,
    error_response,
    is_connection_error,
)
from clinic.sitemaps import sitemaps
from core.site import absolute_url
from education.models import current_language
from education.views import featured_articles, topics_with_articles


@require_safe
def home(request):
    """The home page: who the clinic is, featured articles, topics, how to book.

    Template: ``home.html``.
    """
    language = current_language()
    context = {
        "featured_articles": featured_articles(language),
        "topics": topics_with_articles(language),
    }
    return render(request, "home.html", context)


@require_safe
def healthz(request):
    """200 when the database answers, 503 when it does not; no detail either way."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def error_page(template, status, request=None):
    """Render an error page with the clinic's details only: no request context, no
    internals; in the language of the address asked for."""
    return error_response(template, status, request.path_info if request else "")


def bad_request(request, exception=None):
    return error_page("400.html", 400, request)


def permission_denied(request, exception=None):
    return error_page("403.html", 403, request)


def page_not_found(request, exception=None):
    return error_page("404.html", 404, request)


def server_error(request):
    # Called while the exception is being handled, so sys.exc_info() names it: an
    # unreachable database gets the friendlier "try again shortly" page.
    exception = sys.exc_info()[1]
    if isinstance(exception, DatabaseError) and is_connection_error(exception):
        return database_unavailable_response(request.path_info)
    return error_page("500.html", 500, request)


def csrf_failure(request, reason=""):
    """A missing or stale CSRF token (an old tab, blocked cookies): explain, don't blame."""
    return error_page("403_csrf.html", 403, request)


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        # The form itself may be found by search engines; what follows it may not.
        "Disallow: /appointments/request/received/",
        f"Sitemap: {absolute_url('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_safe
def sitemap_index(request):
    """Django's sitemap index (its template): each section's sitemap and every further
    page of it (?p=2, ... past 50,000 addresses), with addresses from SITE_URL as in
    the sitemaps themselves, never from the Host asked."""
    entries = []
    for section, sitemap_class in sitemaps.items():
        location = absolute_url(
            reverse("django.contrib.sitemaps.views.sitemap", kwargs={"section": section})
        )
        pages = sitemap_class().paginator.num_pages
        entries.append({"location": location})
        entries += [{"location": f"{location}?p={page}"} for page in range(2, pages + 1)]
    response = TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )
    response.headers["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response
