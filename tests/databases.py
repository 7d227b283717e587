"""Databases of a test's own beside the test database, and the site's commands run
against them in processes of their own (the backup and restore tests)."""

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import psycopg2
from django.conf import settings
from django.db import connection


def database_url(name):
    """The test database's server, database ``name``. A Unix socket folder as the host
    is percent-encoded, as libpq and dj-database-url read it."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{name}"


def connect(name):
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=name,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )


@contextmanager
def fresh_database(label):
    """An empty database named after the test database (so parallel runs never
    share one), dropped afterwards whatever happens. Needs autocommit: use it from
    transactional tests."""
    name = f"{connection.settings_dict['NAME']}_{label}_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def site_command(*args, database, media_root, settings_module="clinic.settings", env=None):
    """Python in a process of its own on ``database``, as an operator runs manage.py
    (production settings unless told otherwise; no Redis)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("REDIS_")}
    environment.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        DJANGO_SECRET_KEY="restore-tests-only",
        DJANGO_DEBUG="0",
        DATABASE_URL=database_url(database),
        MEDIA_ROOT=str(media_root),
        **(env or {}),
    )
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


# CI installs age (.ci/run): a missing one fails there instead of skipping.
REQUIRE_AGE = os.environ.get("REQUIRE_AGE") == "1"


def run(args):
    return subprocess.run(args, capture_output=True, text=True, check=True)
