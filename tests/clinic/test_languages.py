"""English at /, Spanish under /es/: the address alone decides the language, every
page says which it is in and links to itself in the other, and the admin stays English."""

from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import translation

from tests.appointments.conftest import make_location
from tests.clients import BrowserClient

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/articles/", "/locations/", "/appointments/request/"]


@pytest.fixture(autouse=True)
def _a_location(db):
    make_location()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_page_has_a_spanish_twin_under_es(client, path):
    english = client.get(path)
    spanish = client.get("/es" + path)

    assert english.status_code == spanish.status_code == HTTPStatus.OK
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="es">' in spanish.content.decode()
    assert spanish["Content-Language"] == "es"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_the_language_link_leads_to_the_same_page_in_the_other_language(client, path):
    english = client.get(path).content.decode()
    spanish = client.get("/es" + path).content.decode()

    assert f'<a class="ms-auto" href="/es{path}" lang="es" hreflang="es">Español</a>' in english
    assert f'<a class="ms-auto" href="{path}" lang="en" hreflang="en">English</a>' in spanish


def test_the_language_link_keeps_the_article_the_patient_came_from(client):
    html = client.get("/appointments/request/?article=facet-joints").content.decode()

    assert 'href="/es/appointments/request/?article=facet-joints" lang="es"' in html


def test_pages_name_their_alternates_in_both_languages(client, settings):
    html = client.get("/es/locations/").content.decode()

    assert f'<link rel="alternate" hreflang="es" href="{settings.SITE_URL}/es/locations/">' in html
    assert f'<link rel="alternate" hreflang="en" href="{settings.SITE_URL}/locations/">' in html


def test_accept_language_never_redirects_an_english_address(client):
    response = client.get("/articles/", headers={"accept-language": "es-ES,es;q=0.9"})

    assert response.status_code == HTTPStatus.OK
    assert '<html lang="en">' in response.content.decode()
    # The address alone decides, so nothing varies by the browser's languages.
    assert "accept-language" not in response.get("Vary", "").lower()


def test_a_spanish_cookie_does_not_change_an_english_address(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    response = client.get("/locations/")

    assert '<html lang="en">' in response.content.decode()


def test_links_on_a_spanish_page_stay_in_spanish(client):
    html = client.get("/es/").content.decode()

    assert 'href="/es/appointments/request/"' in html
    assert 'href="/es/articles/"' in html
    assert 'href="/es/locations/"' in html


def test_the_spanish_home_page_is_in_spanish(client):
    html = client.get("/es/").content.decode()

    assert "Pedir cita" in html
    assert "Atención para el dolor de espalda" in html
    assert "Request Appointment" not in html


def test_the_spanish_not_found_page_is_in_spanish(client):
    response = client.get("/es/no-existe/")

    html = response.content.decode()
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert '<html lang="es">' in html
    assert "No encontramos esa página" in html
    assert 'href="/es/articles/"' in html
    # No Spanish twin of a missing page: the language link goes to the other home page.
    assert 'href="/" lang="en" hreflang="en">English</a>' in html


def test_the_english_not_found_page_stays_english(client):
    response = client.get("/no-such-page/", headers={"accept-language": "es"})

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "We can't find that page" in html
    assert 'href="/es/" lang="es" hreflang="es">Español</a>' in html


def test_a_spanish_upload_refusal_is_in_spanish(client):
    response = client.post(
        "/es/appointments/request/",
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
    )

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert "No podemos recibir ese archivo" in response.content.decode()


def test_the_csrf_page_follows_the_address(client):
    strict = BrowserClient(enforce_csrf_checks=True)
    response = strict.post("/es/appointments/request/", {"first_name": "Ana"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Inténtelo de nuevo, por favor" in response.content.decode()


def test_the_admin_stays_english_and_unprefixed(client, admin_user):
    client.force_login(admin_user)

    english = client.get("/admin/", headers={"accept-language": "es"})
    prefixed = client.get("/es/admin/")

    assert english.status_code == HTTPStatus.OK
    assert '<html lang="en"' in english.content.decode()
    assert "Site administration" in english.content.decode() or "Clinic staff" in (
        english.content.decode()
    )
    assert prefixed.status_code == HTTPStatus.NOT_FOUND


def test_machine_addresses_have_no_spanish_twin(client):
    assert client.get("/healthz/").status_code == HTTPStatus.OK
    assert client.get("/es/healthz/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/es/robots.txt").status_code == HTTPStatus.NOT_FOUND


def test_a_spanish_page_leaves_english_active_after_it(client):
    client.get("/es/")

    # The next thing this thread does (another request's early error page, a test)
    # must not find Spanish still active.
    assert translation.get_language() == "en"
    assert reverse("appointments:request") == "/appointments/request/"
    with translation.override("es"):
        assert reverse("appointments:request") == "/es/appointments/request/"
