import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_loads_cleanly_in_chromium(watched_page, live_server, screenshot):
    response = watched_page.goto(live_server.url + "/")

    assert response.status == 200
    expect(watched_page.get_by_role("link", name="Request Appointment").first).to_be_visible()
    expect(watched_page.get_by_role("link", name="Skip to main content")).to_be_attached()
    # The stylesheet really applied (Bootstrap's .btn-primary background, not the default).
    background = watched_page.get_by_role("link", name="Request Appointment").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert background == "rgb(11, 93, 107)"
    screenshot("home-1280")
    watched_page.set_viewport_size({"width": 320, "height": 700})
    width = watched_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways at 320px ({width}px wide)"
    screenshot("home-320")
