"""What keeps bots and floods off the Request Appointment form without bothering
patients: the form's signed stamp (one-time token, fill time, page of origin) and a
per-client rate limit shared by every app process."""

import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FormStamp:
    """The form's hidden, signed `form_token`: a one-time token (so a double submit
    saves one request), when the form was shown (the minimum fill time) and the page
    the patient came from. Signed, so none of it can be forged.
    """

    token: str
    issued_at: float
    source_path: str = ""

    SALT = "appointments.request-form"

    @classmethod
    def issue(cls, source_path=""):
        return cls(secrets.token_urlsafe(24), time.time(), source_path[:500])

    @classmethod
    def read(cls, value):
        """The stamp from a submitted form, or None when it is missing or was tampered with."""
        try:
            data = signing.loads(value or "", salt=cls.SALT)
            return cls(str(data["t"]), float(data["at"]), str(data.get("from", "")))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None

    @property
    def signed(self):
        return signing.dumps(
            {"t": self.token, "at": self.issued_at, "from": self.source_path}, salt=self.SALT
        )

    @property
    def age(self):
        return time.time() - self.issued_at

    @property
    def filled_too_fast(self):
        """Sent faster than a person can type: most likely a bot."""
        return self.age < settings.REQUEST_MIN_FILL_SECONDS


def over_rate_limit(client_address):
    """Count a submission against this client's allowance; True once it is used up.

    The count lives in the shared cache (Redis in production), so it holds across
    every app process: the first submission starts a window, each counts atomically in
    it (count_in_window).
    The key is a keyed hash, so the cache holds no IP addresses. If the cache is
    down we let the request through: losing a patient is worse than some spam.
    """
    digest = salted_hmac("appointments.rate", client_address, algorithm="sha256").hexdigest()
    try:
        count = count_in_window(f"appointments:rate:{digest}")
    except Exception:
        logger.warning("Rate limit unavailable: the cache is not answering", exc_info=True)
        return False
    return count > settings.REQUEST_RATE_LIMIT


def count_in_window(key):
    """Count one more in the window under ``key`` (started by the first); the count.
    add() starts the window with its expiry, incr() counts (Django's cache API)."""
    window = settings.REQUEST_RATE_WINDOW_SECONDS
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window ran out between add and incr: start a new one
        cache.add(key, 1, timeout=window)
        return 1
