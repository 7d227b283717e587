"""Every public page with the demo content, as a patient sees it."""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.utils.html import escape

from appointments.demo import seed_locations
from appointments.models import Location
from education.demo import seed_education
from education.models import Article, Topic
from tests.appointments.conftest import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    seed_locations()
    seed_education(publish=True)
    return {
        "article": Article.objects.published().get(
            slug="whats-next-if-facet-joint-injections-dont-work"
        ),
        "topic": Topic.objects.get(slug="facet-joints"),
    }


def test_every_public_page_answers_with_its_content(client, demo):
    article, topic = demo["article"], demo["topic"]
    pages = {
        "/": "Request Appointment",
        "/articles/": article.title,
        "/articles/?q=injection": article.title,
        "/articles/?page=1": article.title,
        topic.get_absolute_url(): topic.name,
        article.get_absolute_url(): "Medically reviewed by",
        "/articles/feed/": article.title,
        "/sitemap.xml": "/sitemap-articles.xml",
        "/sitemap-articles.xml": article.get_absolute_url(),
        "/locations/": "Riverside",
        "/appointments/request/": "not for emergencies",
        f"/appointments/request/?article={article.slug}": article.title,
        "/robots.txt": "Sitemap:",
        "/healthz/": "ok",
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        content = response.content.decode()
        assert expected in content or escape(expected) in content, url


def test_a_patient_can_send_a_request_and_see_the_reference(client, demo):
    location = Location.objects.first()

    response = client.post("/appointments/request/", form_data(location=location.pk), follow=True)

    assert response.redirect_chain[-1][0] == "/appointments/request/received/"
    html = response.content.decode()
    assert "AR-" in html
    assert settings.CLINIC_PHONE in html
