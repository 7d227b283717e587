"""Shared fixtures: staff users for each role, and the skip-or-fail rule for
tests that need Chromium (marker ``browser``). Every test runs on PostgreSQL, the
only database (DATABASE_URL, or scripts/with-postgres's own server).
"""

import os

import pytest
from django.contrib.auth.models import Group

from clinic.roles import CLINICIANS, FRONT_DESK
from tests.clients import BrowserClient
from tests.redis_server import test_redis  # noqa: F401 (a fixture for every test)

# CI sets this, so a missing Chromium fails the run instead of skipping.
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"


def skip_or_fail(reason, required):
    if required:
        pytest.fail(f"{reason} (required here: this run must not skip it)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    """Mark the tests that use the shared Redis server, so CI can run them twice at once."""
    for item in items:
        if {"test_redis", "shared_redis"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.redis)


def pytest_terminal_summary(terminalreporter):
    """Say how many browser tests really ran, so CI output proves it."""
    passed = terminalreporter.stats.get("passed", [])
    browser = sum(1 for r in passed if "browser" in r.keywords)
    terminalreporter.write_line(f"passed: {browser} browser tests, {len(passed)} in all")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty caches: no fragment, rate count or lockout carried over."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    def empty_local_caches():
        # Every configured cache, not only those this thread has opened: local-memory
        # caches keep their contents in the process whichever object opened them, so
        # an earlier test's rate counts would otherwise wait for a later one.
        for cache in caches.all():
            # A Redis cache's clear() empties the whole database, another run's keys
            # included: tests with Redis use keys of their own (tests/redis_server.py).
            if not isinstance(cache, RedisCache):
                cache.clear()

    empty_local_caches()
    yield
    empty_local_caches()


@pytest.fixture
def client():
    """pytest-django's client, posting forms as a browser does (tests/clients.py)."""
    return BrowserClient()


def kept_for_the_module(django_db_blocker, make):
    """For a module-scoped fixture: make() once, committed, so that every test of the
    module (each still rolled back on its own) finds the rows without making them
    again; afterwards the database is emptied, and post_migrate puts back what the
    migrations made (role groups, the emergency notice, visit types).

    Only for modules whose tests all expect these rows and none is transactional."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        made = make()
    yield made
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def make_staff(django_user_model, username, group_name=None, superuser=False):
    # The role groups are there even after a transactional test emptied every table:
    # flush ends with post_migrate, which puts them back (clinic.roles).
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
