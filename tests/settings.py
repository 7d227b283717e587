"""Test settings: the real clinic/settings.py, made fast and usable over plain HTTP.

Only what tests cannot run with changes here; security headers, CSP and the rest
stay as in production.
"""

import atexit
import hashlib
import os
import shutil
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"  # the test client and live server speak HTTP

from clinic.settings import *  # noqa: F403

# Absolute links come from here, never from the test client's "testserver" host.
SITE_URL = "https://clinic.example.org"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
# The live server (browser tests) is plain HTTP, where browsers drop Secure cookies.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Whatever the environment says, tests send no real mail.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tasks run at once, in the caller's transaction: a request's emails are in the outbox
# when the response comes. Tests of the worker itself use the database backend.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# Real static files, not the manifest (no collectstatic before tests).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test process gets its own cache; tests of the shared (Redis) cache set their own.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
}
# Serve static files from the app and project folders (no collectstatic before tests).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Images (the starter diagrams the demo seed adds among them) go to a folder of this
# test run's own, never the checkout's media/.
MEDIA_ROOT = tempfile.mkdtemp(prefix="clinic-test-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# Each checkout's test databases have names of their own (pytest-xdist then adds one
# per worker), so two copies of the suite can run at once on one PostgreSQL server.
_checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": f"test_{DATABASES['default']['NAME']}_{_checkout}"  # noqa: F405
    }

# The second factor is required whenever DEBUG is off (clinic/settings.py), so in every
# test too; most tests log in with force_login and test something else, so it is off
# here and on in the tests of the second factor (tests/clinic/test_second_factor.py,
# the `second_factor` fixture), which also prove the production default.
STAFF_SECOND_FACTOR = False
