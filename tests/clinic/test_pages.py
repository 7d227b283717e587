from http import HTTPStatus
from unittest import mock

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.urls import path
from django.utils.html import escape

from clinic import views
from clinic.urls import urlpatterns as site_urlpatterns
from tests.clients import BrowserClient

pytestmark = pytest.mark.django_db


def raise_database_down(request):
    raise OperationalError("could not connect to server")


def raise_bug(request):
    raise ValueError("secret internal detail")


def inline_script(request):
    # A page with an inline script, as a template using the CSP nonce would have one.
    template = Template('<script nonce="{{ csp_nonce }}">1</script>')
    return HttpResponse(template.render(RequestContext(request)))


# The real site's URLs plus two that fail, to see what a patient gets when things break.
urlpatterns = [
    path("test/db-down/", raise_database_down),
    path("test/bug/", raise_bug),
    path("test/inline-script/", inline_script),
    *site_urlpatterns,
]
handler404 = views.page_not_found
handler500 = views.server_error


def test_home_page_has_the_clinic_the_call_to_action_and_the_phone(client, settings):
    response = client.get("/")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert escape(settings.CLINIC_NAME) in html
    assert 'href="/appointments/request/"' in html
    assert "Request Appointment" in html
    assert 'href="tel:+16145550142"' in html
    assert 'href="#main"' in html  # skip link
    assert "for education only" in html


def test_healthz_is_200_with_the_database(client):
    response = client.get("/healthz/")

    assert response.status_code == HTTPStatus.OK
    assert response.content == b"ok\n"


def test_healthz_is_503_without_the_database_and_says_nothing_more(client):
    with mock.patch("clinic.views.connection.cursor", side_effect=OperationalError("refused")):
        response = client.get("/healthz/")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.content == b"unavailable\n"


def test_unknown_page_gets_the_friendly_404_with_the_phone(client, settings):
    response = client.get("/no-such-page/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    html = response.content.decode()
    assert "We can't find that page" in html
    assert settings.CLINIC_PHONE in html


@pytest.mark.urls(__name__)
def test_a_bug_gets_the_500_page_with_the_phone_and_no_internals(settings):
    client = BrowserClient(raise_request_exception=False)

    response = client.get("/test/bug/")

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    html = response.content.decode()
    assert "something went wrong" in html
    assert settings.CLINIC_PHONE in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html


@pytest.mark.urls(__name__)
def test_an_unreachable_database_gets_the_503_page(settings):
    client = BrowserClient(raise_request_exception=False)

    with mock.patch("clinic.middleware.is_connection_error", return_value=True):
        response = client.get("/test/db-down/")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "busy for a moment" in html
    assert settings.CLINIC_PHONE in html
    assert "could not connect" not in html


def test_a_missing_csrf_token_gets_a_friendly_403(settings):
    client = BrowserClient(enforce_csrf_checks=True)

    response = client.post("/admin/login/", {"username": "x", "password": "y"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    html = response.content.decode()
    assert "Please try that again" in html
    assert settings.CLINIC_PHONE in html
    assert "CSRF" not in html


def test_a_bad_host_header_gets_400(client):
    response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Something was wrong with that request" in response.content.decode()


def test_security_headers_on_public_pages(client):
    response = client.get("/", secure=True)

    csp = response["Content-Security-Policy"]
    # No inline script on the page, so not even a nonce: scripts only from the site.
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert int(response["Strict-Transport-Security"].split("max-age=")[1].split(";")[0]) >= (
        31536000
    )
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.urls(__name__)
def test_the_csp_nonce_differs_per_response_and_matches_the_page(client):
    first = client.get("/test/inline-script/")
    second = client.get("/test/inline-script/")

    nonces = []
    for response in (first, second):
        nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
        assert f'nonce="{nonce}"' in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_admin_pages_carry_the_same_strict_csp(client):
    response = client.get("/admin/login/")

    assert response.status_code == HTTPStatus.OK
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")

    assert response.status_code == HTTPStatus.OK
    text = response.content.decode()
    assert "Sitemap: https://clinic.example.org/sitemap.xml" in text
    assert "Disallow: /admin/" in text


def test_favicon_is_served_at_the_site_root(client):
    response = client.get("/favicon.ico")

    assert response.status_code == HTTPStatus.OK
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # the ICO file signature
