"""The "when to get help right away" notice on every starter article's page (issue 18),
with the starter library loaded once for them all."""

import pytest

from education.demo import EMERGENCY_ARTICLE, seed_education
from education.models import Article
from education.starter import load_starter_library
from tests.conftest import kept_for_the_module
from tests.education.test_emergency_notice import notice_html

pytestmark = pytest.mark.django_db

_, STARTER = load_starter_library()


@pytest.fixture(scope="module")
def starter_library(django_db_setup, django_db_blocker):
    yield from kept_for_the_module(django_db_blocker, lambda: seed_education(publish=True))


@pytest.mark.parametrize("slug", [a["slug"] for a in STARTER])
def test_every_starter_article_page_shows_the_notice(client, starter_library, slug):
    article = Article.objects.get(slug=slug)

    notice = notice_html(client, article)

    assert "When to get help right away" in notice
    assert "call 911" in notice.lower() and "988" in notice
    if slug != EMERGENCY_ARTICLE:
        assert f'href="/articles/{EMERGENCY_ARTICLE}/"' in notice
