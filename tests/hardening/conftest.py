"""Fixtures for the hardening tests (issue 6), built on the appointments factories."""

import pytest

from tests.appointments.conftest import make_location


@pytest.fixture
def location(db):
    return make_location()


@pytest.fixture
def two_locations(db):
    """Two active locations, so the form asks for one (the `location` choice)."""
    return [make_location(), make_location("northgate", "Northgate", order=2)]
