"""Settings come from the environment; production settings pass Django's deploy checks.

Each case runs manage.py in a fresh process, because settings are read once at start.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests import databases

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x7Qp2v9LmZr4Tn8Wc1Yb6Hd3Kf5Jg0Se-prod-check-0123456789abcdef",
    "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "SITE_URL": "https://clinic.example.org",
}
# Settings need a PostgreSQL address; these cases never connect to it.
NO_SUCH_DATABASE = "postgres://clinic@db.invalid:5432/clinic"


def run_manage(*args, env=None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    clean["DATABASE_URL"] = NO_SUCH_DATABASE
    clean.pop("REDIS_URL", None)
    clean["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_in_process(env, *names):
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: repr(getattr(settings, n)) for n in {list(names)!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean["DATABASE_URL"] = NO_SUCH_DATABASE
    clean.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "clinic.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_deploy_checks_pass_with_production_settings():
    # Some checks ask the server (a generated column needs PostgreSQL's version), so this
    # one runs against the test database's server, as a deploy would against its own.
    server = databases.database_url(connection.settings_dict["NAME"])
    env = {**PRODUCTION_ENV, "DATABASE_URL": server}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_with_debug_off_is_a_clear_startup_error():
    result = run_manage("check", env={"DJANGO_ALLOWED_HOSTS": "clinic.example.org"})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_is_off_unless_asked_for():
    values = settings_in_process({"DJANGO_SECRET_KEY": "k" * 50}, "DEBUG")
    assert values["DEBUG"] == "False"

    values = settings_in_process({"DJANGO_DEBUG": "1"}, "DEBUG")
    assert values["DEBUG"] == "True"


@pytest.mark.parametrize("url", ["", "sqlite:///db.sqlite3"])
def test_without_a_postgresql_database_url_is_a_clear_startup_error(url):
    result = run_manage("check", env={"DJANGO_DEBUG": "1", "DATABASE_URL": url})

    assert result.returncode != 0
    assert "DATABASE_URL must" in result.stderr
    assert "PostgreSQL" in result.stderr


def test_database_url_selects_postgresql_with_persistent_checked_connections():
    values = settings_in_process(
        {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://u:p@db.internal:5432/clinic"},
        "DATABASES",
    )
    databases = values["DATABASES"]
    assert "django.db.backends.postgresql" in databases
    assert "'CONN_MAX_AGE': 60" in databases
    assert "'CONN_HEALTH_CHECKS': True" in databases
    assert "'connect_timeout': 3" in databases


def test_redis_url_puts_the_cache_in_redis():
    values = settings_in_process(
        {"DJANGO_DEBUG": "1", "REDIS_URL": "redis://cache.internal:6379/0"}, "CACHES"
    )
    assert "django.core.cache.backends.redis.RedisCache" in values["CACHES"]
    assert "redis://cache.internal:6379/0" in values["CACHES"]

    values = settings_in_process({"DJANGO_DEBUG": "1"}, "CACHES")
    assert "LocMemCache" in values["CACHES"]


def test_mail_goes_to_the_console_in_development_and_smtp_in_production():
    values = settings_in_process({"DJANGO_DEBUG": "1"}, "MAILERS")
    assert "console.EmailBackend" in values["MAILERS"]

    values = settings_in_process({**PRODUCTION_ENV, "EMAIL_PORT": "2525"}, "MAILERS")
    assert "smtp.EmailBackend" in values["MAILERS"]
    assert "'host': 'smtp.example.org'" in values["MAILERS"]
    assert "'port': 2525" in values["MAILERS"]


def test_production_without_a_mail_server_never_uses_the_console():
    # The console mailer would write patients' addresses into the server's log.
    without_smtp = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_HOST"}

    values = settings_in_process(without_smtp, "MAILERS")

    assert "core.mail.NoMailServerBackend" in values["MAILERS"]
    assert "console" not in values["MAILERS"]


def test_fragments_can_have_a_redis_of_their_own():
    values = settings_in_process(
        {
            "DJANGO_DEBUG": "1",
            "REDIS_URL": "redis://counters:6379/0",
            "REDIS_PAGES_URL": "redis://pages:6379/0",
        },
        "CACHES",
    )

    assert "'LOCATION': 'redis://counters:6379/0'" in values["CACHES"]
    assert "'LOCATION': 'redis://pages:6379/0'" in values["CACHES"]


def test_clinic_details_and_proxy_header_come_from_the_environment():
    values = settings_in_process(
        {
            "DJANGO_DEBUG": "1",
            "CLINIC_NAME": "Lakeside Spine",
            "CLINIC_PHONE": "(212) 555-0100",
            "FRONT_DESK_EMAILS": "a@example.org, b@example.org",
            "SITE_URL": "https://lakeside.example/",
        },
        "CLINIC_NAME",
        "CLINIC_PHONE",
        "FRONT_DESK_EMAILS",
        "SITE_URL",
        "SECURE_PROXY_SSL_HEADER",
    )
    assert values["CLINIC_NAME"] == "'Lakeside Spine'"
    assert values["CLINIC_PHONE"] == "'(212) 555-0100'"
    assert values["FRONT_DESK_EMAILS"] == "['a@example.org', 'b@example.org']"
    assert values["SITE_URL"] == "'https://lakeside.example'"
    assert values["SECURE_PROXY_SSL_HEADER"] == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.parametrize("value", ["0", "", "no", "false"])
def test_debug_values_that_mean_off(value):
    values = settings_in_process({"DJANGO_DEBUG": value, "DJANGO_SECRET_KEY": "k" * 50}, "DEBUG")
    assert values["DEBUG"] == "False"
