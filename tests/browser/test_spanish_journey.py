"""A Spanish-speaking patient on a 375 px phone: the home page, an article, the
request form with a mistake, the received page and a missing page, all in Spanish,
each audited (axe-core, nothing sideways at 375 and 320 px) and photographed for a
person to look at (test-artifacts/spanish-*.png).

The article is a real Spanish article from the Spanish starter library (issue 15,
part 3), opened from the Spanish home page: Spanish text, its hreflang alternates
and a language link to its English original.
"""

import re

import pytest
from playwright.sync_api import expect

from appointments.demo import seed_locations
from appointments.models import AppointmentRequest
from education.demo import seed_education
from education.models import Article
from tests.browser.test_audit import audit

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(watched_page, live_server):
    seed_locations()
    seed_education(publish=True)
    watched_page.set_viewport_size(PHONE)
    watched_page.base_url = live_server.url
    return watched_page


def check_spanish_page(page, label, screenshot):
    """In Spanish, accessible, nothing sideways at 375 px (and 320, in audit)."""
    assert page.evaluate("document.documentElement.lang") == "es", label
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{label} scrolls sideways at 375px ({width}px)"
    screenshot(f"spanish-{label}-375")
    audit(page, f"spanish-{label}")
    page.set_viewport_size(PHONE)  # audit() leaves it at desktop width
    # Every button's text fits inside it (long Spanish words must wrap, not spill).
    spills = page.evaluate(
        """() => [...document.querySelectorAll('.btn')]
            .filter(b => b.offsetParent && b.scrollWidth > b.clientWidth + 1)
            .map(b => b.textContent.trim())"""
    )
    assert spills == [], f"{label}: text spills out of {spills}"


def test_a_spanish_patient_reads_asks_and_is_answered_in_spanish(phone, screenshot, settings):
    settings.REQUEST_MIN_FILL_SECONDS = 0
    page = phone

    # The home page.
    page.goto(page.base_url + "/es/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Atención para el dolor de espalda, de cuello y de articulaciones"
    )
    header = page.locator(".site-header")
    expect(header.get_by_role("link", name="Pedir cita")).to_be_visible()
    english = header.get_by_role("link", name="English")
    expect(english).to_have_attribute("lang", "en")
    expect(english).to_have_attribute("href", "/")
    check_spanish_page(page, "home", screenshot)

    # An article, from the home page's list.
    page.locator(".card-title a").first.click()
    page.wait_for_url(re.compile(r"/es/articles/[-\w]+/$"))
    slug = page.url.rstrip("/").rsplit("/", 1)[1]
    article = Article.objects.select_related("translation_of").get(slug=slug)
    assert article.language == "es" and article.translation_of is not None
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    original = f"/articles/{article.translation_of.slug}/"
    expect(header.get_by_role("link", name="English")).to_have_attribute("href", original)
    hreflang_en = page.locator('link[rel=alternate][hreflang="en"]')
    expect(hreflang_en).to_have_attribute("href", re.compile(re.escape(original) + "$"))
    expect(page.locator(".emergency-notice h2")).to_have_text("Cuándo pedir ayuda de inmediato")
    expect(page.get_by_text("Revisión médica:")).to_be_visible()
    expect(page.get_by_role("heading", name="¿Quiere hablar de su dolor?")).to_be_visible()
    check_spanish_page(page, "article", screenshot)

    # The request form, from the header: first sent with mistakes.
    header.get_by_role("link", name="Pedir cita").click()
    page.wait_for_url("**/es/appointments/request/**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pedir una cita")
    page.fill("[name=first_name]", "Lucía")
    page.fill("[name=phone]", "12")
    page.get_by_role("button", name="Enviar solicitud").click()
    page.wait_for_load_state()
    expect(page.locator("#problems")).to_contain_text("Revise su solicitud, por favor")
    expect(page.locator("#problems")).to_contain_text("Revise este número.")
    assert page.evaluate("document.activeElement.id") == "problems"
    expect(page.locator("[name=first_name]")).to_have_value("Lucía")
    check_spanish_page(page, "request-errors", screenshot)

    # Corrected and sent.
    page.fill("[name=last_name]", "Fernández")
    page.fill("[name=phone]", "(614) 555-0123")
    if page.locator("[name=location][type=radio]").count():
        page.locator("[name=location][type=radio]").first.check()
    page.get_by_label("Mañana").check()
    page.get_by_label("Sí, es mi primera visita").check()
    page.fill("[name=reason]", "Dolor en la parte baja de la espalda desde hace tres meses.")
    page.get_by_label("Acepto que la clínica me contacte sobre esta solicitud.").check()
    page.get_by_role("button", name="Enviar solicitud").click()
    page.wait_for_url("**/es/appointments/request/received/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias. Recibimos su solicitud.")
    reference = page.locator("#reference").inner_text()
    check_spanish_page(page, "received", screenshot)
    assert AppointmentRequest.objects.get(reference=reference).language == "es"
    # The same page in English, from its language link: the reference is still there.
    page.locator(".site-header").get_by_role("link", name="English").click()
    page.wait_for_url("**/appointments/request/received/")
    assert "/es/" not in page.url
    expect(page.locator("#reference")).to_have_text(reference)

    # A page that does not exist.
    page.problems.expect_error_status(404)
    response = page.goto(page.base_url + "/es/articulos/no-existe/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("No encontramos esa página")
    check_spanish_page(page, "not-found", screenshot)


def test_the_language_link_takes_a_patient_to_the_same_page_in_the_other_language(phone):
    page = phone
    page.goto(page.base_url + "/locations/")

    page.locator(".site-header").get_by_role("link", name="Español").click()

    page.wait_for_url("**/es/locations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Visite el consultorio más cercano")
    page.locator(".site-header").get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/locations/$"))
    assert page.evaluate("document.documentElement.lang") == "en"
