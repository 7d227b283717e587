import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

from clinic.context_processors import clinic_details

logger = logging.getLogger(__name__)


def database_unavailable_response():
    """The friendly 503 page, rendered without touching the database or the request."""
    html = render_to_string("503.html", {"clinic": clinic_details()})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
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
