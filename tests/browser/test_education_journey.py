"""A clinician writes, previews and sends an article for review in the admin; a
medical reviewer approves it under their own account; it is published and a patient
then finds it in the list and by search (issues 3 and 12)."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from clinic.roles import CLINICIANS, MEDICAL_REVIEWERS
from education.demo import seed_education
from education.models import Article, Topic
from tests.browser.conftest import ARTIFACTS, watch
from tests.education.conftest import make_clinician

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"
TITLE = "Heat or ice for a sore back?"


def screenshot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)


def assert_no_sideways_scroll(page, width):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width}px ({scroll_width}px)"


def assert_accessible(page):
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


def test_clinician_publishes_an_article_that_a_patient_then_finds(
    watched_page, live_server, django_user_model, new_context
):
    seed_education(publish=True)  # a realistic library around the new article
    user = django_user_model.objects.create_user("casey", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=CLINICIANS))
    ana = django_user_model.objects.create_user("ana", password=PASSWORD, is_staff=True)
    ana.groups.add(*Group.objects.filter(name__in=[CLINICIANS, MEDICAL_REVIEWERS]))
    reviewer = make_clinician("Dr. Ana Ruiz", "MD", user=ana)
    page = watched_page

    # The clinician logs in.
    log_in(page, live_server, "casey")
    expect(page.get_by_role("link", name="Articles", exact=True)).to_be_visible()

    # ... writes a draft in the rich-text editor ...
    page.get_by_role("link", name="Articles", exact=True).click()
    page.get_by_role("link", name="Add article").click()
    page.get_by_label("Title").press_sequentially(TITLE)
    page.get_by_label("Summary").fill("When to use heat, when to use ice, and when to call us.")
    expect(page.get_by_label("Slug")).to_have_value("heat-or-ice-for-a-sore-back")
    editor = page.get_by_role("textbox", name="Body")
    editor.click()
    page.keyboard.type("Many people ask whether heat or ice is better for back pain. ")
    page.keyboard.press("Control+b")
    page.keyboard.type("Ice helps most in the first two days.")
    page.keyboard.press("Control+b")
    page.keyboard.press("Enter")
    page.keyboard.type("After that, a warm pack may ease tight muscles.")
    page.get_by_label("Facet joints").check()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    # The writing checks answer as the clinician types (education/writing_checks.js).
    expect(page.locator("#writing-checks")).to_contain_text("Flesch-Kincaid grade")
    article = Article.objects.get(slug="heat-or-ice-for-a-sore-back")
    assert article.status == Article.Status.DRAFT
    assert "<strong>Ice helps most in the first two days.</strong>" in article.body

    # ... previews it on the real page ...
    page.get_by_role("link", name="View on site").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("status")).to_contain_text("Draft preview.")
    page.get_by_role("link", name="Back to editing").click()

    # ... sends it for review: the panel says it waits for a medical reviewer.
    page.get_by_role("button", name="Save and send for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Sent for review")
    expect(page.locator(".workflow-panel")).to_contain_text("Waiting for a medical reviewer.")
    expect(page.get_by_role("button", name="Approve revision 1")).to_have_count(0)

    # The reviewer, in a browser of their own, finds it waiting and approves it.
    reviewing = new_context().new_page()
    reviewer_problems = watch(reviewing, live_server)
    log_in(reviewing, live_server, "ana")
    expect(reviewing.get_by_role("heading", name="Waiting for my review (1)")).to_be_visible()
    reviewing.get_by_role("link", name=TITLE).click()
    reviewing.get_by_role("button", name="Approve revision 1").click()
    expect(reviewing.locator(".messagelist")).to_contain_text("You approved revision 1")
    reviewer_problems.assert_none()

    # The clinician publishes the approved revision.
    page.reload()
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist")).to_contain_text("Published: patients now see")
    article.refresh_from_db()
    assert article.is_live and article.reviewer == reviewer
    assert article.live_revision.approved_by.username == "ana"

    # The revisions list shows who wrote and who signed off.
    page.get_by_role("link", name="Revisions").first.click()
    expect(page.locator("table.revisions")).to_contain_text("casey")
    expect(page.locator("table.revisions")).to_contain_text("Dr. Ana Ruiz, MD")

    # A patient, in a browser of their own, finds it in the list ...
    visitor = new_context().new_page()
    problems = watch(visitor, live_server)
    visitor.goto(f"{live_server.url}/articles/")
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()
    assert_accessible(visitor)
    screenshot(visitor, "articles-1280")
    visitor.set_viewport_size({"width": 375, "height": 800})
    assert_no_sideways_scroll(visitor, 375)
    screenshot(visitor, "articles-375")

    # ... and by search, then reads it.
    visitor.get_by_label("Search the articles").fill("ice")
    visitor.get_by_label("Search the articles").press("Enter")
    expect(visitor.get_by_role("heading", name="found for")).to_be_visible()
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.get_by_text("Medically reviewed by")).to_contain_text("Dr. Ana Ruiz, MD")
    expect(visitor.get_by_text("Draft preview")).to_have_count(0)
    assert_accessible(visitor)
    assert_no_sideways_scroll(visitor, 375)
    screenshot(visitor, "article-375")
    visitor.set_viewport_size({"width": 1280, "height": 800})
    screenshot(visitor, "article-1280")
    assert Topic.objects.get(name="Facet joints") in article.topics.all()
    problems.assert_none()
