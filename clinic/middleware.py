import codecs
import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import BadRequest
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.csp import build_policy

from core.context_processors import clinic_details

logger = logging.getLogger(__name__)


def database_unavailable_response():
    """The friendly 503 page, rendered without touching the database or the request."""
    html = render_to_string("503.html", {"clinic": clinic_details()})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return with_security_headers(response)


def with_security_headers(response):
    """Give an error page the CSP and framing headers itself: one made for an exception
    in an early middleware (a bad Host header fails in CommonMiddleware) never passes
    through the middleware that adds them. Without a nonce: error pages have no
    inline script."""
    response.setdefault("Content-Security-Policy", build_policy(settings.SECURE_CSP))
    response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
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
            return database_unavailable_response()
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
            return refusal("413.html", 413)
        if request.content_type == "multipart/form-data" and not staff:
            return refusal("415.html", 415)
        return self.get_response(request)


def refusal(template, status):
    """An error page like the others (clinic/views.py), rendered from here because
    this runs before the URL resolver and the error handlers."""
    html = render_to_string(template, {"clinic": clinic_details()})
    return with_security_headers(HttpResponse(html, status=status))


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
