"""Headers (issue 6): nothing with patient data is kept by a browser or proxy cache, every
error page carries the strict CSP, and the production cookie and HSTS settings reach the
real response headers.

Already proven elsewhere: no-store on the empty form and the received page
(tests/appointments/test_request_form.py::test_form_and_received_pages_are_never_cached),
on the admin index (tests/clinic/test_security.py::test_admin_pages_are_never_cached) and
on the 429 page (tests/appointments/test_rate_limit.py); a bad Host gets 400
(tests/clinic/test_pages.py::test_a_bad_host_header_gets_400); the CSP on public pages and
the admin, its per-response nonce, and HSTS under the test settings (test_pages.py:
test_security_headers_on_public_pages, test_the_csp_nonce_differs_per_response_and_matches_
the_page, test_admin_pages_carry_the_same_strict_csp);
check --deploy (tests/clinic/test_settings.py::test_deploy_checks_pass_with_production_settings).
"""

import ast
from http import HTTPStatus
from unittest import mock

import pytest

from tests.appointments.conftest import REQUEST_URL, form_data, make_request
from tests.clients import BrowserClient
from tests.clinic.test_settings import PRODUCTION_ENV, settings_in_process
from tests.education.conftest import make_article

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/appointments/appointmentrequest/"


# Cache-Control: no-store wherever patient data or a staff page is shown.


def test_the_form_shown_again_with_errors_is_never_cached(client, location):
    response = client.post(REQUEST_URL, form_data(phone="not a number"))

    assert response.status_code == HTTPStatus.OK
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/login/",
        LIST_URL,
        LIST_URL + "?q=AR-",
        LIST_URL + "{request}/change/",
        LIST_URL + "{request}/history/",
        LIST_URL + "{request}/history/{version}/",
        "/admin/appointments/location/",
        "/admin/education/article/{article}/change/",
    ],
)
def test_admin_pages_are_never_cached(manager_client, location, path):
    appointment_request = make_request(location=location)
    url = path.format(
        request=appointment_request.pk,
        version=appointment_request.history.first().history_id,
        article=make_article().pk,
    )

    response = manager_client.get(url)

    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    assert "no-store" in response["Cache-Control"]


def test_the_csv_export_is_never_cached(front_desk_client):
    appointment_request = make_request()

    response = front_desk_client.post(
        LIST_URL, {"action": "export_csv", "_selected_action": [appointment_request.pk]}
    )

    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]


# A strict CSP on every error page, even those made before the CSP middleware runs.

ERROR_PAGES = {
    "400-bad-host": lambda client: client.get("/", HTTP_HOST="evil.example"),
    "400-too-many-fields": lambda client: client.post(
        REQUEST_URL, {f"field{n}": "x" for n in range(1001)}
    ),
    "403-csrf": lambda client: BrowserClient(enforce_csrf_checks=True).post(REQUEST_URL, {}),
    "404": lambda client: client.get("/no-such-page/"),
    "405": lambda client: client.put(REQUEST_URL),
}


def assert_strict_csp(response):
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("make_error", ERROR_PAGES.values(), ids=ERROR_PAGES)
def test_error_pages_carry_the_strict_csp(client, location, make_error):
    response = make_error(client)

    assert response.status_code >= HTTPStatus.BAD_REQUEST
    assert_strict_csp(response)


@pytest.mark.urls("tests.clinic.test_pages")  # the site plus /test/bug/ and /test/db-down/
def test_the_500_page_carries_the_strict_csp():
    response = BrowserClient(raise_request_exception=False).get("/test/bug/")

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert_strict_csp(response)


@pytest.mark.urls("tests.clinic.test_pages")
def test_the_503_page_carries_the_strict_csp():
    with mock.patch("clinic.middleware.is_connection_error", return_value=True):
        response = BrowserClient(raise_request_exception=False).get("/test/db-down/")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert_strict_csp(response)


# Production settings, read from a fresh process with the production environment,
# then applied here to real requests over HTTPS.

COOKIE_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
]


@pytest.fixture(scope="module")
def production_values():
    values = settings_in_process(PRODUCTION_ENV, *COOKIE_SETTINGS)
    return {name: ast.literal_eval(value) for name, value in values.items()}


@pytest.fixture
def production(settings, production_values):
    for name, value in production_values.items():
        setattr(settings, name, value)
    return production_values


def test_production_asks_for_secure_http_only_same_site_cookies(production_values):
    assert production_values["SESSION_COOKIE_SECURE"] is True
    assert production_values["CSRF_COOKIE_SECURE"] is True
    assert production_values["SESSION_COOKIE_HTTPONLY"] is True
    assert production_values["CSRF_COOKIE_HTTPONLY"] is True  # the form carries the token
    assert production_values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production_values["CSRF_COOKIE_SAMESITE"] == "Lax"


def set_cookie_header(response, name):
    """The Set-Cookie header exactly as the WSGI handler sends it."""
    return response.cookies[name].output(header="Set-Cookie:")


def assert_locked_down(header):
    attributes = [part.strip().lower() for part in header.split(";")]
    assert "secure" in attributes, header
    assert "httponly" in attributes, header
    assert "samesite=lax" in attributes, header


def test_the_csrf_cookie_of_the_form_is_secure_http_only_and_same_site(location, production):
    response = BrowserClient().get(REQUEST_URL, secure=True)

    assert_locked_down(set_cookie_header(response, "csrftoken"))


def test_the_received_cookie_after_a_request_is_secure_http_only_and_same_site(
    location, production
):
    response = BrowserClient().post(REQUEST_URL, form_data(), secure=True)

    assert response.status_code == HTTPStatus.FOUND
    assert_locked_down(set_cookie_header(response, "request_received"))
    assert "sessionid" not in response.cookies


def test_the_staff_session_cookie_is_secure_http_only_and_same_site(front_desk_user, production):
    response = BrowserClient().post(
        "/admin/login/?next=/admin/",
        {"username": front_desk_user.username, "password": "a-long-test-password"},
        secure=True,
    )

    assert response.status_code == HTTPStatus.FOUND
    assert_locked_down(set_cookie_header(response, "sessionid"))


def test_production_sends_hsts_for_a_year_with_subdomains_and_preload(location, production):
    response = BrowserClient().get(REQUEST_URL, secure=True)

    directives = [part.strip() for part in response["Strict-Transport-Security"].split(";")]
    max_age = int(directives[0].removeprefix("max-age="))
    assert max_age >= 365 * 24 * 60 * 60
    assert "includeSubDomains" in directives
    assert "preload" in directives


def test_production_redirects_plain_http_to_https_except_the_health_check(location, production):
    response = BrowserClient().get(REQUEST_URL)

    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == f"https://testserver{REQUEST_URL}"
    assert BrowserClient().get("/healthz/").status_code == HTTPStatus.OK
