"""The request form not yet sent is rendered once per language and set of locations
in each process (AppointmentRequestForm.rendered_fields): it must be exactly what
crispy renders, in the page's language, with the article filled in."""

from http import HTTPStatus

import pytest
from crispy_forms.utils import render_crispy_form
from django.template import Context
from django.utils import translation

from appointments.forms import AppointmentRequestForm
from tests.appointments.conftest import REQUEST_URL, form_data, make_location

pytestmark = pytest.mark.django_db


def kept_and_crispy(initial=None):
    form = AppointmentRequestForm(initial=initial or {})
    kept = form.rendered_fields(Context())
    return kept, render_crispy_form(AppointmentRequestForm(initial=initial or {}))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("article", ["", "facet-joints-explained"])
def test_a_blank_form_is_what_crispy_renders(two_locations, language, article):
    with translation.override(language):
        for _ in range(2):  # the first renders and keeps it, the second fills it in
            kept, crispy = kept_and_crispy({"article": article})
            assert kept == crispy


def test_one_location_or_several_each_get_their_own_form(location):
    kept, crispy = kept_and_crispy()
    assert kept == crispy
    assert 'name="location"' not in kept

    make_location("northgate", "Northgate", order=2)
    kept, crispy = kept_and_crispy()
    assert kept == crispy
    assert kept.count('name="location"') == 2


def test_a_renamed_location_shows_at_once(two_locations):
    AppointmentRequestForm().rendered_fields(Context())
    two_locations[1].name = "Northgate Spine Center"
    two_locations[1].save()

    assert "Northgate Spine Center" in AppointmentRequestForm().rendered_fields(Context())


def test_each_language_gets_its_own_form(client, location):
    for _ in range(2):
        spanish = client.get("/es" + REQUEST_URL).content.decode()
        english = client.get(REQUEST_URL).content.decode()

        assert "Sobre usted" in spanish and "About you" not in spanish
        assert "About you" in english and "Sobre usted" not in english


def test_the_article_is_filled_in_escaped_and_never_kept(client, location, article):
    with_article = client.get(REQUEST_URL, {"article": article.slug}).content.decode()
    without = client.get(REQUEST_URL).content.decode()

    assert f'name="article" value="{article.slug}"' in with_article
    assert 'name="article" id="id_article"' in without
    assert "article-slot" not in with_article + without


def test_a_sent_form_is_rendered_with_its_values_and_errors(client, location):
    client.get(REQUEST_URL)  # the blank form is kept

    response = client.post(REQUEST_URL, form_data(phone="12", first_name="Dana"))

    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert 'value="Dana"' in page
    assert "Please check this number" in page


def test_every_form_gets_its_own_tokens(client, location):
    first = client.get(REQUEST_URL).content.decode()
    second = client.get(REQUEST_URL).content.decode()

    def token(page):
        return page.split('name="form_token" value="', 1)[1].split('"', 1)[0]

    assert token(first) != token(second)
