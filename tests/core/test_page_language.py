"""The address alone sets a page's language, so the edge (keyed by address) can never
serve a Spanish page for an English address, nor an English page for a Spanish one,
whatever the browser asks for; nothing says the page varies by Accept-Language."""

from http import HTTPStatus

import pytest

pytestmark = pytest.mark.django_db

HOME_HEADING_EN = "Care for back, neck and joint pain"
HOME_HEADING_ES = "Atención para el dolor de espalda, de cuello y de articulaciones"


def test_english_and_spanish_home_pages_are_kept_apart(client):
    english = client.get("/")
    spanish = client.get("/es/")
    english_again = client.get("/")
    spanish_again = client.get("/es/")

    assert english.status_code == spanish.status_code == HTTPStatus.OK
    assert HOME_HEADING_EN in english_again.content.decode()
    assert HOME_HEADING_ES not in english_again.content.decode()
    assert HOME_HEADING_ES in spanish_again.content.decode()
    assert HOME_HEADING_EN not in spanish_again.content.decode()
    assert english_again.content == english.content
    assert spanish_again.content == spanish.content


def test_a_spanish_browser_gets_the_english_page_kept_for_the_english_address(client):
    # A Spanish-speaking visitor's Accept-Language must neither redirect nor poison
    # the English address's kept page.
    first = client.get("/", headers={"accept-language": "es-MX,es;q=0.9"})
    second = client.get("/")

    assert first.status_code == HTTPStatus.OK
    for response in (first, second):
        html = response.content.decode()
        assert '<html lang="en">' in html
        assert HOME_HEADING_EN in html


def test_the_spanish_page_kept_first_is_not_served_for_english(client):
    client.get("/es/locations/", headers={"accept-language": "en"})

    english = client.get("/locations/", headers={"accept-language": "es"})

    assert '<html lang="en">' in english.content.decode()
    assert "Visit your nearest location" in english.content.decode()


@pytest.mark.parametrize("path", ["/", "/es/", "/articles/", "/es/articles/"])
def test_pages_do_not_vary_by_accept_language(client, path):
    response = client.get(path, headers={"accept-language": "es"})

    assert "public" in response["Cache-Control"]
    assert "accept-language" not in response.get("Vary", "").lower()
