"""Phone first (issue 14): on a 375 x 812 phone the header is one compact row (the
clinic's name, Call and Request) over a slim row of links, and search results start
on the first screen. Measured from bounding boxes in CSS pixels from the top of the
page; screenshots at 375 px and 1280 px land in test-artifacts/ for a person to see.

Before issue 14: header 218 px, first result at y=1009, an article's first body
paragraph at y=1189.
"""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from appointments.demo import seed_locations
from education.demo import seed_education
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTICLE = "what-to-expect-from-a-facet-joint-injection"
TOUCH = 44  # px: the smallest target for unsteady hands


@pytest.fixture
def site(watched_page, live_server):
    seed_locations()
    seed_education(publish=True)
    watched_page.set_viewport_size(PHONE)
    watched_page.base_url = live_server.url
    return watched_page


def shoot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"))
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}-full.png"), full_page=True)


def box(locator):
    """The element's box, from the top of the page (the page is not scrolled)."""
    found = locator.bounding_box()
    assert found, f"{locator} has no box (hidden?)"
    return found


def report(capsys, **figures):
    with capsys.disabled():
        print("\nphone layout: " + ", ".join(f"{k}={v:.0f}" for k, v in figures.items()))


def assert_accessible(page):
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert result.violations_count == 0, result.generate_report()


def assert_no_sideways_scroll(page, width):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width}px ({scroll_width}px)"


def header_parts(page):
    header = page.locator(".site-header")
    return {
        "header": header,
        "brand": header.locator(".brand"),
        "call": header.get_by_role("link", name="Call (614) 555-0142"),
        "request": header.get_by_role("link", name="Request Appointment"),
        "articles": header.get_by_role("link", name="Articles", exact=True),
        "locations": header.get_by_role("link", name="Locations", exact=True),
    }


def test_the_header_is_one_compact_row_and_a_row_of_links_on_a_phone(site, capsys):
    site.goto(site.base_url + "/articles/")
    parts = {name: box(locator) for name, locator in header_parts(site).items()}
    report(capsys, header_height=parts["header"]["height"])
    shoot(site, "phone-header-375")

    assert parts["header"]["height"] <= 110
    # Name, Call and Request side by side, in that order, in the first row ...
    first_row = [parts["brand"], parts["call"], parts["request"]]
    middles = [b["y"] + b["height"] / 2 for b in first_row]
    assert max(middles) - min(middles) <= 4, first_row
    assert parts["brand"]["x"] < parts["call"]["x"] < parts["request"]["x"]
    # ... short enough to fit ("Call", "Request"), the links in a row below.
    assert parts["call"]["width"] < 100 and parts["request"]["width"] < 130
    row_end = max(b["y"] + b["height"] for b in first_row)
    assert parts["articles"]["y"] >= row_end - 1 and parts["locations"]["y"] >= row_end - 1
    for name in ("call", "request", "articles", "locations", "brand"):
        assert parts[name]["height"] >= TOUCH, (name, parts[name])
    assert parts["call"]["width"] >= TOUCH


def test_the_keyboard_follows_the_header_as_it_is_seen(site):
    site.goto(site.base_url + "/articles/")
    order = []
    for _ in range(6):
        site.keyboard.press("Tab")
        order.append(site.evaluate("document.activeElement.textContent.trim()"))

    assert order == [
        "Skip to main content",
        "Riverside Pain & Spine Care",
        "Call (614) 555-0142",
        "Request Appointment",
        "Articles",
        "Locations",
    ]


def test_search_results_start_on_the_first_screen(site, capsys):
    site.goto(site.base_url + "/articles/?q=sciatica")
    first = box(site.locator("main article h3").first)
    search_box = box(site.get_by_label("Search the articles"))
    button = box(site.get_by_role("button", name="Search"))
    report(
        capsys,
        header_height=box(site.locator(".site-header"))["height"],
        first_result_y=first["y"],
    )
    shoot(site, "phone-search-375")

    assert first["y"] + first["height"] <= PHONE["height"]
    assert abs(search_box["y"] - button["y"]) <= 2  # the box and its button share a row
    assert_accessible(site)
    assert_no_sideways_scroll(site, 375)
    site.set_viewport_size({"width": 320, "height": 700})
    assert_no_sideways_scroll(site, 320)


def test_a_search_that_finds_nothing_offers_a_way_on(site):
    site.goto(site.base_url + "/articles/?q=zebra")
    results = site.locator("section[aria-labelledby=results-heading]")

    expect(results.get_by_role("heading", name="0 articles found")).to_be_visible()
    expect(results.get_by_role("navigation", name="Topics")).to_be_visible()
    expect(results.get_by_role("link", name="(614) 555-0142")).to_be_visible()
    expect(results.get_by_role("link", name="request an appointment")).to_be_visible()
    shoot(site, "phone-nothing-found-375")
    assert_accessible(site)


def test_an_articles_title_and_lead_paragraph_are_on_the_first_screen(site, capsys):
    site.goto(f"{site.base_url}/articles/{ARTICLE}/")
    lead = box(site.locator("#article-title ~ p").first)
    report(capsys, lead_paragraph_y=lead["y"])
    shoot(site, "phone-article-375")

    assert lead["y"] + lead["height"] <= PHONE["height"]


def test_an_articles_first_body_paragraph_is_on_the_first_screen(site, capsys):
    site.goto(f"{site.base_url}/articles/{ARTICLE}/")
    paragraph = box(site.locator(".article-body p").first)
    report(capsys, first_body_paragraph_y=paragraph["y"])

    assert paragraph["y"] < PHONE["height"]


def test_the_header_on_a_desktop_keeps_the_full_labels(site):
    site.set_viewport_size(DESKTOP)
    site.goto(site.base_url + "/articles/?q=sciatica")
    parts = {name: box(locator) for name, locator in header_parts(site).items()}
    shoot(site, "desktop-search-1280")

    assert parts["header"]["height"] <= 120
    assert parts["call"]["width"] > 150 and parts["request"]["width"] > 150  # full text
    assert parts["request"]["x"] + parts["request"]["width"] > DESKTOP["width"] - 200
    assert parts["brand"]["x"] < 200 and parts["articles"]["x"] < 200
    assert_no_sideways_scroll(site, DESKTOP["width"])
