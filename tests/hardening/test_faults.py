"""Faults (issue 6): the database really unreachable, and the cache down.

The mail server being down is already proven in tests/appointments/test_notifications.py:
the request is saved and the patient sees success
(test_mail_failure_keeps_the_request_shows_success_and_records_it), the failure shows in
the admin (test_failure_is_visible_in_the_admin) and the retry job sends it later
(test_retry_command_sends_what_failed).
"""

import copy
import socket
import time
from contextlib import contextmanager
from http import HTTPStatus

import pytest
from django.db import connections
from django.urls import reverse

from appointments.models import AppointmentRequest
from education.models import Article
from tests.appointments.conftest import REQUEST_URL, form_data, make_article, make_request
from tests.clients import BrowserClient
from tests.education.conftest import make_article as make_article_with_topics
from tests.education.conftest import make_reviewer, make_topic
from tests.education.test_admin import form_data as article_form

CONNECT_TIMEOUT = 2  # seconds, as DATABASE_CONNECT_TIMEOUT would set it
INTERNALS = ("Traceback", "OperationalError", "Connection refused", "timeout expired", "5432")


@contextmanager
def database_at(host, port):
    """Point the default connection at another address, as if PostgreSQL went away,
    then put it back. Connections are closed on the way in and out."""
    connection = connections["default"]
    saved = copy.deepcopy(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        HOST=host,
        PORT=str(port),
        OPTIONS={**saved.get("OPTIONS", {}), "connect_timeout": CONNECT_TIMEOUT},
    )
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@contextmanager
def database_refusing_connections():
    """Nothing listens on port 1: every connection is refused at once."""
    with database_at("127.0.0.1", 1):
        yield


@contextmanager
def database_never_answering():
    """A server that accepts TCP connections and then says nothing, like a hung host."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        with database_at("127.0.0.1", silent.getsockname()[1]):
            yield


def friendly_503(response, settings):
    html = response.content.decode()
    return (
        response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        and response["Retry-After"] == "30"
        and "busy for a moment" in html
        and settings.CLINIC_PHONE in html
        and not any(detail in html for detail in INTERNALS)
        and "frame-ancestors 'none'" in response.get("Content-Security-Policy", "")
    )


@pytest.fixture
def patient(location):
    return BrowserClient(raise_request_exception=False)


@pytest.fixture
def article(location):
    return make_article()


# The database unreachable, for real (PostgreSQL: a connection to a closed port).


@pytest.mark.parametrize(
    "url", ["/", "/articles/", "/articles/facet-joints-explained/", REQUEST_URL, "/locations/"]
)
@pytest.mark.usefixtures("article")
@pytest.mark.django_db(transaction=True)
def test_patients_get_the_friendly_503_page_while_the_database_is_down(patient, settings, url):
    with database_refusing_connections():
        response = patient.get(url)

    assert friendly_503(response, settings)


@pytest.mark.django_db(transaction=True)
def test_the_503_page_comes_within_the_connect_timeout_when_the_database_hangs(patient, settings):
    with database_never_answering():
        started = time.monotonic()
        response = patient.get(REQUEST_URL)
        elapsed = time.monotonic() - started

    assert friendly_503(response, settings)
    # One connection attempt, not one per check: the patient waits the timeout once.
    assert elapsed < CONNECT_TIMEOUT + 1.5, f"{elapsed:.1f} s"


@pytest.mark.django_db(transaction=True)
def test_a_request_sent_while_the_database_is_down_is_not_lost_silently(patient, settings):
    data = form_data()

    with database_refusing_connections():
        response = patient.post(REQUEST_URL, data)

    assert friendly_503(response, settings)
    assert "did not go through" in response.content.decode()
    assert not AppointmentRequest.objects.exists()
    # Pressing "Send" again once the database is back saves it.
    assert patient.post(REQUEST_URL, data).status_code == HTTPStatus.FOUND
    assert AppointmentRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_next_request_after_the_database_returns_succeeds(patient, settings):
    with database_refusing_connections():
        assert friendly_503(patient.get(REQUEST_URL), settings)

    response = patient.get(REQUEST_URL)

    assert response.status_code == HTTPStatus.OK
    assert "Request an appointment" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_signed_in_staff_get_the_503_page_too(front_desk_user, settings):
    staff = BrowserClient(raise_request_exception=False)
    staff.force_login(front_desk_user)  # the session lives in the database

    with database_refusing_connections():
        response = staff.get("/admin/appointments/appointmentrequest/")

    assert friendly_503(response, settings)


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_the_real_outage_and_the_recovery(patient):
    with database_refusing_connections():
        down = patient.get("/healthz/")

    assert (down.status_code, down.content) == (HTTPStatus.SERVICE_UNAVAILABLE, b"unavailable\n")
    assert patient.get("/healthz/").status_code == HTTPStatus.OK


@pytest.mark.django_db(transaction=True)
def test_the_outage_is_logged_without_a_traceback(patient, caplog):
    with database_refusing_connections():
        patient.get(REQUEST_URL)

    assert "Database unavailable" in caplog.text
    assert not [record for record in caplog.records if record.exc_info]


# The cache down: a Redis client pointed at a port nobody listens on.


@pytest.fixture
def cache_down(settings):
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    settings.CACHES = {"default": unreachable, "pages": unreachable}
    from django.core.cache import caches

    for alias in ("default", "pages"):
        with pytest.raises(Exception, match=r"(?i)connect"):
            caches[alias].get("anything")  # really down


@pytest.mark.django_db
def test_with_the_cache_down_the_form_still_takes_requests(location, cache_down, caplog):
    client = BrowserClient()

    response = client.post(REQUEST_URL, form_data(), follow=True)

    assert response.status_code == HTTPStatus.OK
    saved = AppointmentRequest.objects.get()
    assert saved.reference in response.content.decode()
    assert "Rate limit unavailable" in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/articles/",
        "/articles/?page=1",
        "/articles/facet-joints-explained/",
        "/articles/feed/",
        REQUEST_URL,
        "/locations/",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz/",
    ],
)
@pytest.mark.django_db
def test_with_the_cache_down_public_pages_still_render(article, cache_down, url):
    response = BrowserClient().get(url)

    assert response.status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_with_the_cache_down_staff_can_still_sign_in_and_work(front_desk_user, cache_down):
    appointment_request = make_request()
    staff = BrowserClient()

    signed_in = staff.post(
        "/admin/login/?next=/admin/",
        {"username": front_desk_user.username, "password": "a-long-test-password"},
    )

    assert signed_in.status_code == HTTPStatus.FOUND
    assert staff.get("/admin/appointments/appointmentrequest/").status_code == HTTPStatus.OK
    assert staff.get(appointment_request.get_admin_url()).status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_with_the_cache_down_a_clinician_can_still_edit_an_article(
    clinician_client, clinician_user, django_user_model, cache_down
):
    """Publishing empties the page cache (a signal): that must not fail the save."""
    topic = make_topic()
    article = make_article_with_topics(topics=[topic])
    data = article_form(topic, slug=article.slug, title="Facet joints, explained again")

    response = clinician_client.post(
        reverse("admin:education_article_change", args=[article.pk]), data
    )

    assert response.status_code == HTTPStatus.FOUND
    revision = Article.objects.get(pk=article.pk).working_copy
    revision.submit_for_review(clinician_user)
    revision.approve(make_reviewer(django_user_model))
    revision.publish(clinician_user)
    page = BrowserClient().get(article.get_absolute_url())
    assert "Facet joints, explained again" in page.content.decode()
