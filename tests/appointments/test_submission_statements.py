"""A valid submission costs a fixed, small number of SQL statements (issue 16): the
request, its history, its emails (one INSERT) and their one task, in one transaction
and nothing after it (the reference goes to the received page in a signed cookie, not
a session), with the locations checked against the process's copy (shared Redis cache).

Counted as production runs: no test transaction around the request (so BEGIN and
COMMIT are the request's own) and the database task queue (the worker sends)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from appointments.models import AppointmentRequest
from core.models import Email
from tests.appointments.conftest import RECEIVED_URL, REQUEST_URL, form_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_caches(settings, test_redis):
    """Production's caches (counters and pages in Redis, keys of this test's own)
    and task queue (in the database)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CACHES = {"default": test_redis.cache("c"), "pages": test_redis.cache("p")}


def post_counting_statements(client, **overrides):
    client.get(REQUEST_URL)  # what a patient's browser does first
    with CaptureQueriesContext(connection) as statements:
        response = client.post(REQUEST_URL, form_data(**overrides))
    assert response.status_code == 302 and response["Location"] == RECEIVED_URL
    return [query["sql"] for query in statements.captured_queries]


@pytest.mark.parametrize("locations", ["location", "two_locations"])
def test_a_valid_post_runs_at_most_7_sql_statements(client, redis_caches, locations, request):
    chosen = request.getfixturevalue(locations)
    extra = {"location": str(chosen[0].pk)} if isinstance(chosen, list) else {}

    statements = post_counting_statements(client, email="", **extra)

    assert len(statements) <= 7, "\n".join(statements)
    assert [sql for sql in statements if sql in ("BEGIN", "COMMIT")] == ["BEGIN", "COMMIT"]
    assert AppointmentRequest.objects.count() == 1
    assert Email.objects.count() == 1  # the front desk's notice, queued with it
    assert "sessionid" not in client.cookies


def test_a_valid_post_with_an_email_costs_no_more_statements(client, redis_caches, location):
    statements = post_counting_statements(client)

    assert len(statements) <= 7, "\n".join(statements)
    assert Email.objects.count() == 2
    # Both emails in one task, each sent on its own by the worker.
    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs["args"] == sorted(Email.objects.values_list("pk", flat=True))


def test_a_double_submit_still_gives_one_request(client, redis_caches, location):
    data = form_data(email="")
    first = client.post(REQUEST_URL, data)
    second = client.post(REQUEST_URL, data)

    assert first["Location"] == second["Location"] == RECEIVED_URL
    assert AppointmentRequest.objects.count() == 1
    # Both presses lead to the same request's reference.
    reference = AppointmentRequest.objects.get().reference
    for response in (first, second):
        assert response.cookies["request_received"].value.startswith(f"{reference}:")
