"""Simultaneous submissions against real PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from django.db import connection

from appointments.models import AppointmentRequest
from tests.appointments.conftest import REQUEST_URL, form_data, make_location
from tests.clients import BrowserClient

pytestmark = pytest.mark.django_db(transaction=True)


def post_together(payloads):
    """POST each payload from its own thread (its own database connection), released
    at the same moment by a barrier; return the responses after following redirects."""
    barrier = threading.Barrier(len(payloads))

    def post(data):
        try:
            client = BrowserClient()
            barrier.wait()
            return client.post(REQUEST_URL, data, follow=True)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        return list(pool.map(post, payloads))


@pytest.fixture
def no_limits(settings):
    settings.REQUEST_RATE_LIMIT = 1000
    make_location()


def test_two_simultaneous_posts_of_one_form_create_exactly_one_request(no_limits):
    data = form_data()

    responses = post_together([data, data])

    assert AppointmentRequest.objects.count() == 1
    reference = AppointmentRequest.objects.get().reference
    for response in responses:
        assert response.status_code == HTTPStatus.OK
        assert reference in response.text


def test_many_simultaneous_requests_all_saved_with_distinct_references(no_limits):
    payloads = [form_data() for _ in range(12)]

    responses = post_together(payloads)

    assert all(response.status_code == HTTPStatus.OK for response in responses)
    references = set(AppointmentRequest.objects.values_list("reference", flat=True))
    assert AppointmentRequest.objects.count() == 12
    assert len(references) == 12
