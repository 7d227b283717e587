"""Lighthouse (mobile) on the pages patients use most, in English and in Spanish,
against a live server that sends static files compressed as production does. CI
installs Lighthouse (scripts/install-lighthouse.sh) and requires it; `make audit`
runs the same on the real production setup, mobile and desktop."""

import pytest

from appointments.demo import seed_locations
from education.demo import seed_education
from tests.browser.test_article_images import production_like_server  # noqa: F401 (fixture)
from tests.browser.test_audit import assert_passes_lighthouse, lighthouse

pytestmark = pytest.mark.django_db(transaction=True)

FACET_ARTICLE = "/articles/whats-next-if-facet-joint-injections-dont-work/"
PAGES = {
    "home": "/",
    "article": FACET_ARTICLE,
    "request-form": "/appointments/request/",
    "home-es": "/es/",
    "article-es": "/es/articles/que-sigue-si-las-inyecciones-facetarias-no-funcionan/",
    "request-form-es": "/es/appointments/request/",
}


@pytest.mark.parametrize("label", PAGES)
def test_page_passes_lighthouse(production_like_server, label):  # noqa: F811
    seed_locations()
    seed_education(publish=True)

    report = lighthouse(production_like_server + PAGES[label], f"{label}-mobile")

    print(f"\nLighthouse (mobile) {label} {PAGES[label]}:")
    assert_passes_lighthouse(report)
