"""Shared fixtures: staff users for each role, and the skip-or-fail rule for
tests that need PostgreSQL (marker ``postgres``) or Chromium (marker ``browser``).
"""

import os

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group

from clinic.roles import CLINICIANS, FRONT_DESK, sync_roles
from tests.clients import BrowserClient

# CI sets these, so a missing PostgreSQL or Chromium fails the run instead of skipping.
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"


def skip_or_fail(reason, required):
    if required:
        pytest.fail(f"{reason} (required here: this run must not skip it)", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item):
    from django.db import connection

    if "postgres" in item.keywords and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...", REQUIRE_POSTGRES)


def pytest_terminal_summary(terminalreporter):
    """Say how many PostgreSQL and browser tests really ran, so CI output proves it."""
    from django.db import connection

    passed = terminalreporter.stats.get("passed", [])
    postgres = sum(1 for r in passed if "postgres" in r.keywords)
    browser = sum(1 for r in passed if "browser" in r.keywords)
    terminalreporter.write_line(
        f"database: {connection.vendor}; passed: {postgres} PostgreSQL-only tests, "
        f"{browser} browser tests, {len(passed)} in all"
    )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty caches: no fragment, rate count or lockout carried over."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()
    yield
    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture
def client():
    """pytest-django's client, posting forms as a browser does (tests/clients.py)."""
    return BrowserClient()


def make_staff(django_user_model, username, group_name=None, superuser=False):
    # A transactional test (the browser ones) empties every table, groups included:
    # put the roles back as the migrations made them.
    sync_roles(django_apps)
    user = django_user_model.objects.create_user(
        username=username, password="a-long-test-password", is_staff=True, is_superuser=superuser
    )
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def front_desk_user(django_user_model):
    return make_staff(django_user_model, "fd", FRONT_DESK)


@pytest.fixture
def clinician_user(django_user_model):
    return make_staff(django_user_model, "doc", CLINICIANS)


@pytest.fixture
def manager_user(django_user_model):
    return make_staff(django_user_model, "boss", superuser=True)


@pytest.fixture
def front_desk_client(client, front_desk_user):
    client.force_login(front_desk_user)
    return client


@pytest.fixture
def clinician_client(client, clinician_user):
    client.force_login(clinician_user)
    return client


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client
