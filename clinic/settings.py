"""
Settings for the clinic site: one module, every difference between a laptop and
production read from the environment (README.md lists each variable).

Safe defaults: DEBUG off, a local cache when REDIS_URL is unset. DATABASE_URL is
required: PostgreSQL is the only database (`make run` and `make test` start their
own through scripts/with-postgres when it is unset). https://docs.djangoproject.com/en/6.1/ref/settings/
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# https://docs.djangoproject.com/en/6.1/ref/settings/#debug
DEBUG = env_bool("DJANGO_DEBUG")

# https://docs.djangoproject.com/en/6.1/ref/settings/#secret-key
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DEBUG is off. Generate one with:\n"
            "  python -c 'import secrets; print(secrets.token_urlsafe(50))'\n"
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # noqa: S105 (DEBUG only)

# https://docs.djangoproject.com/en/6.1/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")

INSTALLED_APPS = [
    # Django's admin with the staff site (clinic/admin_site.py): a second factor after
    # the password, titles per role, the System page.
    "clinic.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",  # full-text search, trigram and GIN indexes
    "crispy_forms",
    "crispy_bootstrap5",
    "django_prose_editor",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "django_tasks_db",
    "core",
    "clinic",
    "education",
    "appointments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Bodies refused by size and type before anything reads them.
    "clinic.middleware.RequestBodyLimitMiddleware",
    # A 400, not a 500, for form bodies in a charset Django cannot decode.
    "clinic.middleware.FormEncodingMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control for patients' public pages, which the front proxy keeps
    # (core.edge_cache); above every middleware that sets a cookie or the CSP.
    "core.edge_cache.EdgeCacheMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "clinic.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the URL: /es/... is Spanish, everything else English.
    "clinic.middleware.UrlLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor?
    "django_otp.middleware.OTPMiddleware",
    "clinic.middleware.StaffIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns lockouts raised by the backend into a page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "core.context_processors.clinic",
                "appointments.context_processors.footer_locations",
            ],
        },
    },
]

# https://github.com/jazzband/dj-database-url: DATABASE_URL, a PostgreSQL database.
# An empty DATABASE_URL counts as unset.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set to a PostgreSQL database, e.g. "
        "postgres://user:password@host:5432/clinic. On a laptop, run the command through "
        "scripts/with-postgres (as `make run` and `make test` do): it starts a PostgreSQL "
        "of its own in .pgdata/."
    )
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...).")
# Fail fast when PostgreSQL is unreachable, so patients get the 503 page quickly.
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault(
    "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 3)
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# https://docs.djangoproject.com/en/6.1/topics/cache/
# Redis when REDIS_URL is set: rate limits, lockouts and cached fragments are then
# shared by every app process. The local-memory cache is only right for a single process.
# Fragments of pages have their own cache ("pages", core.edge_cache.remember):
# REDIS_PAGES_URL may point it at a separate Redis with a memory cap and LRU eviction
# (README, "Redis"), so that they can never evict a rate-limit counter. Whole pages are
# kept by the front proxy (deploy/nginx.conf), not here.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_PAGES_URL = os.environ.get("REDIS_PAGES_URL", REDIS_URL)
# Every key starts with this, so sites (or test runs) sharing one Redis never meet.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "").strip() or "clinic"


def redis_cache(location, prefix):
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": prefix,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


LOCAL_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
CACHES = {
    "default": redis_cache(REDIS_URL, REDIS_KEY_PREFIX) if REDIS_URL else LOCAL_CACHE,
    "pages": redis_cache(REDIS_PAGES_URL, f"{REDIS_KEY_PREFIX}-pages")
    if REDIS_PAGES_URL
    else {**LOCAL_CACHE, "LOCATION": "pages"},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Patients' pages in English (unprefixed) and Spanish (/es/); the URL alone decides,
# never the browser's Accept-Language. The admin stays English. Catalogues: locale/.
# https://docs.djangoproject.com/en/6.1/topics/i18n/translation/
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("CLINIC_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# Static files: built CSS from static/build (npm run build), served by WhiteNoise
# compressed and with hashed names. https://whitenoise.readthedocs.io/
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads (the article image library): through the default storage, FileSystemStorage
# here. nginx serves /media/ in production (deploy/nginx.conf), Django only with DEBUG.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
FILE_UPLOAD_PERMISSIONS = 0o644
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o755
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
# Backups (core/backups.py, README "Operations"): archives land in BACKUP_DIR; PG_BIN
# names the bin folder of pg_dump/pg_restore when they are not Debian's for the server's
# version; with BACKUP_AGE_RECIPIENTS (age public keys) every archive is encrypted, and
# BACKUP_AGE_IDENTITY is the private key file a restore decrypts with.
BACKUP_DIR = os.environ.get("BACKUP_DIR", str(BASE_DIR / "backups"))
PG_BIN = os.environ.get("PG_BIN", "")
BACKUP_AGE_RECIPIENTS = env_list("BACKUP_AGE_RECIPIENTS")
BACKUP_AGE_IDENTITY = os.environ.get("BACKUP_AGE_IDENTITY", "")
# Files served at the site root, such as /favicon.ico.
WHITENOISE_ROOT = BASE_DIR / "static_root"
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365 if not DEBUG else 0

# Mail through Django 6.1's MAILERS: the console in development, SMTP from the
# environment in production (without EMAIL_HOST, every email fails visibly). https://docs.djangoproject.com/en/6.1/topics/email/
SMTP_HOST = os.environ.get("EMAIL_HOST", "")
if SMTP_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": SMTP_HOST,
                "port": env_int("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                # Only the background worker waits on it; a hung server costs a try.
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
elif DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    # Never the console in production: it would log patients' addresses.
    MAILERS = {"default": {"BACKEND": "core.mail.NoMailServerBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "clinic@localhost")

# Background work (emails): Django's Tasks framework, stored in the database by
# django-tasks-db, run by `manage.py run_worker` (Procfile). Nothing else to run.
# https://docs.djangoproject.com/en/6.1/topics/tasks/
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The clinic itself.
CLINIC_NAME = os.environ.get("CLINIC_NAME", "Riverside Pain & Spine Care")
CLINIC_PHONE = os.environ.get("CLINIC_PHONE", "(614) 555-0142")
FRONT_DESK_EMAILS = env_list("FRONT_DESK_EMAILS", "frontdesk@localhost")
# Absolute links in emails (no trailing slash).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The front proxies' purge addresses (deploy/nginx.conf's purge server, e.g.
# http://127.0.0.1:8079): every content change purges the public pages from each
# (core.edge_cache). Empty: no purge, pages expire within five minutes.
EDGE_PURGE_URLS = env_list("EDGE_PURGE_URLS")

# Request bodies (clinic.middleware.RequestBodyLimitMiddleware): the patient form is a
# few KB; the admin takes uploads (article images).
PUBLIC_MAX_BODY_BYTES = env_int("PUBLIC_MAX_BODY_BYTES", 64 * 1024)
ADMIN_MAX_BODY_BYTES = env_int("ADMIN_MAX_BODY_BYTES", 10 * 1024 * 1024)
# One image upload: its bytes and its pixels (a small file can decode to gigabytes).
IMAGE_UPLOAD_MAX_BYTES = env_int("IMAGE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)

# Articles: show patients the list of sources each article was checked against.
ARTICLE_SOURCES_PUBLIC = env_bool("ARTICLE_SOURCES_PUBLIC", False)
# A medical review falls due this many months after the last sign-off.
ARTICLE_REVIEW_MONTHS = env_int("ARTICLE_REVIEW_MONTHS", 12)
# Flesch-Kincaid grade the editor's readability panel aims for (patients read best at
# grade 8 or lower); harder articles can still be published.
READABILITY_TARGET_GRADE = env_int("READABILITY_TARGET_GRADE", 8)
# Sentences longer than this many words are flagged while writing.
READABILITY_LONG_SENTENCE_WORDS = env_int("READABILITY_LONG_SENTENCE_WORDS", 25)

# Appointment requests.
REQUEST_RESPONSE_HOURS = env_int("REQUEST_RESPONSE_HOURS", 24)  # then flagged overdue
# Unanswered calls (voicemail, no answer, wrong number) before "Unable to reach".
REQUEST_UNREACHED_ATTEMPTS = env_int("REQUEST_UNREACHED_ATTEMPTS", 3)
REQUEST_RETENTION_DAYS = env_int("REQUEST_RETENTION_DAYS", 365)  # purge_requests
REQUEST_RATE_LIMIT = env_int("REQUEST_RATE_LIMIT", 5)  # submissions per client ...
REQUEST_RATE_WINDOW_SECONDS = env_int("REQUEST_RATE_WINDOW_SECONDS", 600)  # ... per window
REQUEST_MIN_FILL_SECONDS = env_int("REQUEST_MIN_FILL_SECONDS", 3)
# How many reverse proxies in front of the app append to X-Forwarded-For. 0 means
# the header is ignored (a client could forge it) and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Forms: https://django-crispy-forms.readthedocs.io/
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Admin login lockout: https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Failures are counted three ways, and any one reaching the limit locks: a username
# from one address (a forgotten password), one address trying many usernames (one
# password sprayed over accounts), and one username from many addresses (a botnet).
# Behind a proxy, TRUSTED_PROXY_COUNT must be right, or every user shares an address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "errors/lockout.html"

# The second factor for staff (clinic/second_factor.py): passkeys (django-otp-webauthn),
# authenticator-app codes (TOTP) and ten single-use recovery codes (django-otp).
# Required whenever DEBUG is off; STAFF_SECOND_FACTOR=0 turns it off, for development
# only (`make run`'s demo accounts), and is refused without DEBUG.
STAFF_SECOND_FACTOR = env_bool("STAFF_SECOND_FACTOR", not DEBUG)
if not STAFF_SECOND_FACTOR and not DEBUG:
    raise ImproperlyConfigured(
        "STAFF_SECOND_FACTOR=0 is for development only: set DJANGO_DEBUG=1, or unset it."
    )
# Passkeys belong to the site's host name (SITE_URL); WebAuthn refuses any other origin.
# Browsers make passkeys only over HTTPS or on http://localhost, never for an IP address:
# a development SITE_URL such as http://127.0.0.1:8000 gets http://localhost:8000.
_site = urlsplit(SITE_URL)
if _site.scheme != "https" and _site.hostname != "localhost":
    _site = urlsplit(f"http://localhost:{_site.port or 80}")
OTP_WEBAUTHN_RP_ID = _site.hostname
OTP_WEBAUTHN_RP_NAME = CLINIC_NAME
OTP_WEBAUTHN_ALLOWED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]
# A passkey is the second step after the password, never a sign-in on its own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "django_otp_webauthn"
OTP_TOTP_ISSUER = CLINIC_NAME
# Minutes between the password and the second step before the password is asked again.
STAFF_SECOND_FACTOR_MINUTES = env_int("STAFF_SECOND_FACTOR_MINUTES", 5)
# The access record (core.models.AccessRecord): kept six years, as HIPAA keeps its
# documentation (45 CFR 164.316(b)(2)); `purge_requests --delete` prunes older rows.
# 2192 days: six years and their leap days.
ACCESS_RECORD_RETENTION_DAYS = env_int("ACCESS_RECORD_RETENTION_DAYS", 2192)

# Security. https://docs.djangoproject.com/en/6.1/ref/middleware/#module-django.middleware.security
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # the load balancer probes over plain HTTP
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# The header only signals consent; a domain joins browsers' preload list only when
# someone submits it. Set DJANGO_HSTS_PRELOAD=0 if a subdomain must stay on HTTP.
SECURE_HSTS_PRELOAD = not DEBUG and env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Django's database sessions, a new one made with one INSERT (core/sessions.py).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "clinic.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Staff sessions end after this much idle time (clinic.middleware.StaffIdleTimeoutMiddleware).
STAFF_IDLE_TIMEOUT_MINUTES = env_int("STAFF_IDLE_TIMEOUT_MINUTES", 30)

# Content-Security-Policy, Django's own: no inline scripts, no third parties.
# https://docs.djangoproject.com/en/6.1/ref/csp/
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # Images from the site, and from MEDIA_URL's host if the media live elsewhere.
    "img-src": [CSP.SELF, "data:", *([MEDIA_URL] if MEDIA_URL.startswith("https://") else [])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Logs go to stderr (gunicorn and systemd/containers collect them). Request bodies
# and form values are never logged; see SECURITY.md.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes announces itself at INFO on every start.
    "loggers": {"axes": {"level": "WARNING"}},
}
