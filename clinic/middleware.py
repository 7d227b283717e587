import codecs
import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import BadRequest
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.csp import build_policy

from core.context_processors import clinic_details, other_languages

logger = logging.getLogger(__name__)


def error_response(template, status, path=""):
    """An error page with the clinic's details only: no request context, no internals,
    no database. In the language of ``path`` (/es/... Spanish, else English), decided
    here because some are made before LocaleMiddleware has run, or without a request."""
    language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"clinic": clinic_details(), "other_languages": other_languages()}
        html = render_to_string(template, context)
    response = HttpResponse(html, status=status)
    response["Content-Language"] = language
    return with_security_headers(response)


def database_unavailable_response(path=""):
    """The friendly 503 page, rendered without touching the database or the request."""
    response = error_response("503.html", 503, path)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


def with_security_headers(response):
    """Give an error page the CSP and framing headers itself: one made for an exception
    in an early middleware (a bad Host header fails in CommonMiddleware) never passes
    through the middleware that adds them. Without a nonce: error pages have no
    inline script."""
    response.setdefault("Content-Security-Policy", build_policy(settings.SECURE_CSP))
    response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
    return response


class UrlLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, for a site where the address alone sets the language
    (i18n_patterns without a prefix for English: /es/... is Spanish, the rest English).

    Two differences: the response does not say it varies by Accept-Language (it does
    not: a Spanish browser gets English at an English address), and the language is
    put back to the default after each request, so that whatever this thread does
    next (an error page made before this middleware runs) starts from English, not
    from the previous patient's Spanish.
    """

    def __call__(self, request):
        try:
            return super().__call__(request)
        finally:
            translation.deactivate()

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if response.has_header("Vary"):
            kept = [
                header.strip()
                for header in response["Vary"].split(",")
                if header.strip() and header.strip().lower() != "accept-language"
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response


class DatabaseUnavailableMiddleware:
    """Turn "cannot reach the database" into the 503 page instead of a 500.

    Only connection-level errors qualify: a bug that raises a DatabaseError for
    another reason must still surface as a 500 and be logged as one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)) and is_connection_error(
            exception
        ):
            logger.error("Database unavailable: %s", type(exception).__name__)
            return database_unavailable_response(request.path_info)
        return None


def is_connection_error(exception):
    from django.db import connection

    if isinstance(exception, InterfaceError):
        return True
    if connection.connection is None:
        # Connecting itself failed. Trying again would make the patient wait out the
        # connect timeout a second time, for the same answer.
        return True
    try:
        # A connection that cannot run "SELECT 1" is down; anything else was the query.
        connection.close_if_unusable_or_obsolete()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return True
    return False


class StaffIdleTimeoutMiddleware:
    """Log staff out after STAFF_IDLE_TIMEOUT_MINUTES without a request.

    Patients have no accounts, so this only ever touches staff sessions.
    """

    session_key = "staff_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.session_key, now)
            if now - last_seen > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
                logout(request)
            else:
                request.session[self.session_key] = now
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """Refuse a body by its headers, before anything reads it.

    Patients' pages take small url-encoded forms: a body declared larger than
    PUBLIC_MAX_BODY_BYTES gets 413, and a multipart body (a file upload: the form has
    none) gets 415. Only the staff's admin takes uploads, up to ADMIN_MAX_BODY_BYTES.
    Django's own DATA_UPLOAD_MAX_MEMORY_SIZE does not count file parts, so without
    this a 50 MB "upload" to the form would be read in full. The front proxy
    (deploy/nginx.conf) holds the same limits; this is the app's own line.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        staff = request.path_info.startswith("/admin/")
        limit = settings.ADMIN_MAX_BODY_BYTES if staff else settings.PUBLIC_MAX_BODY_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads no body without a valid length
        if declared > limit:
            return refusal("413.html", 413, request)
        if request.content_type == "multipart/form-data" and not staff:
            return refusal("415.html", 415, request)
        return self.get_response(request)


def refusal(template, status, request):
    """An error page like the others (clinic/views.py), rendered from here because
    this runs before the URL resolver and the error handlers."""
    return error_response(template, status, request.path_info)


class FormEncodingMiddleware:
    """Refuse a multipart form body declared in any charset but UTF-8: a 400, not a 500.

    Browsers send forms in UTF-8 without naming a charset, and Django already refuses
    url-encoded bodies in any other. A multipart body, though, is decoded in whatever
    codec its Content-Type names, and a bytes-to-bytes one (``charset=rot13``,
    ``base64``, ``zlib``...) raises LookupError there. Must come before anything that
    reads request.POST, such as CsrfViewMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Django has already checked that the charset names a codec Python knows.
        charset = request.encoding if request.content_type == "multipart/form-data" else None
        if charset and codecs.lookup(charset).name != "utf-8":
            raise BadRequest("Multipart form bodies must be UTF-8 encoded.")
        return self.get_response(request)
