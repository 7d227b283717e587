"""Issue 12 in a real browser: a clinician edits a live article while patients keep
reading the published text; a medical reviewer approves it under their own account;
patients then read the new text with the new review date; a later edit that nobody
approved never reaches them. axe runs on every new admin page on the way."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from clinic.roles import CLINICIANS, MEDICAL_REVIEWERS
from education.demo import seed_education
from education.models import Article
from tests.browser.conftest import watch
from tests.browser.test_education_journey import PASSWORD, log_in, screenshot
from tests.education.conftest import make_clinician

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "facet-joints-explained"
NEW_SENTENCE = "Your care team checks these joints with a short test first."
UNAPPROVED = "This sentence was never approved."


def assert_accessible(page, label):
    results = Axe().run(page)
    assert results.violations_count == 0, f"{label}:\n{results.generate_report()}"


def long_date(day):
    return f"{day:%B} {day.day}, {day.year}"


@pytest.fixture
def people(django_user_model):
    seed_education(publish=True)
    writer = django_user_model.objects.create_user("casey", password=PASSWORD, is_staff=True)
    writer.groups.add(Group.objects.get(name=CLINICIANS))
    reviewer = django_user_model.objects.create_user("ana", password=PASSWORD, is_staff=True)
    reviewer.groups.add(*Group.objects.filter(name__in=[CLINICIANS, MEDICAL_REVIEWERS]))
    make_clinician("Dr. Ana Ruiz", "MD", user=reviewer)
    # The published text was last reviewed over a year ago.
    Article.objects.filter(slug=SLUG).update(reviewed_on=timezone.localdate() - timedelta(days=400))
    return writer, reviewer


def test_live_article_changes_reach_patients_only_once_approved(
    watched_page, live_server, new_context, people
):
    article = Article.objects.get(slug=SLUG)
    old_review_date = long_date(article.reviewed_on)
    change_url = f"{live_server.url}/admin/education/article/{article.pk}/change/"
    patient = new_context().new_page()
    patient_problems = watch(patient, live_server)
    page = watched_page

    # The clinician adds a sentence to the live article and sends it for review.
    log_in(page, live_server, "casey")
    page.goto(change_url)
    # The writing checks fill in after a moment: audit the page with them shown.
    expect(page.locator("#writing-checks")).to_contain_text("Flesch-Kincaid grade")
    expect(page.locator(".writing-checks-details h3").first).to_be_visible()
    assert_accessible(page, "article change page with the review panel")
    editor = page.get_by_role("textbox", name="Body")
    editor.locator("p").first.click()
    page.keyboard.press("End")
    page.keyboard.type(" " + NEW_SENTENCE)
    expect(page.locator("#writing-checks")).to_contain_text("Flesch-Kincaid grade")
    page.get_by_role("button", name="Save and send for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Saved as revision")
    expect(page.locator(".workflow-panel")).to_contain_text("In review")
    screenshot(page, "workflow-panel-in-review")

    # Patients still read the published text and its old review date.
    patient.goto(f"{live_server.url}/articles/{SLUG}/")
    expect(patient.get_by_role("heading", level=1)).to_be_visible()
    expect(patient.get_by_text(NEW_SENTENCE)).to_have_count(0)
    expect(patient.get_by_text("Medically reviewed by")).to_contain_text(old_review_date)

    # The clinician previews the working copy on the real page, and compares.
    page.get_by_role("link", name="Preview on the real page").click()
    expect(page.get_by_text(NEW_SENTENCE)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("patients keep reading the published")
    page.go_back()
    page.get_by_role("link", name="Compare with the published text").click()
    expect(page.locator(".compare-field ins").first).to_contain_text("Your care team")
    assert_accessible(page, "compare page")
    screenshot(page, "workflow-compare")
    page.get_by_role("link", name="Revisions").click()
    assert_accessible(page, "revisions page")

    # The reviewer finds it waiting, approves it under their own account, publishes.
    reviewing = new_context().new_page()
    reviewer_problems = watch(reviewing, live_server)
    log_in(reviewing, live_server, "ana")
    expect(reviewing.get_by_role("heading", name="Waiting for my review (1)")).to_be_visible()
    assert_accessible(reviewing, "admin home of a reviewer")
    screenshot(reviewing, "workflow-reviewer-home")
    reviewing.get_by_role("link", name=article.title).click()
    screenshot(reviewing, "workflow-reviewer-panel")
    reviewing.get_by_role("button", name="Approve revision 2").click()
    expect(reviewing.locator(".messagelist")).to_contain_text("You approved revision 2")
    reviewing.get_by_role("button", name="Publish now").click()
    expect(reviewing.locator(".messagelist")).to_contain_text("Published: patients now see")
    screenshot(reviewing, "workflow-published")
    reviewer_problems.assert_none()

    # Patients now read the new text, reviewed today by the reviewer.
    patient.reload()
    expect(patient.get_by_text(NEW_SENTENCE)).to_be_visible()
    byline = patient.get_by_text("Medically reviewed by")
    expect(byline).to_contain_text("Dr. Ana Ruiz, MD")
    expect(byline).to_contain_text(long_date(timezone.localdate()))

    # A later edit, saved but never approved, never reaches patients.
    page.goto(change_url)
    page.get_by_role("textbox", name="Body").locator("p").first.click()
    page.keyboard.press("End")
    page.keyboard.type(" " + UNAPPROVED)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("Patients still see the published")
    expect(page.get_by_role("button", name="Publish now")).to_have_count(0)
    patient.reload()
    expect(patient.get_by_text(NEW_SENTENCE)).to_be_visible()
    expect(patient.get_by_text(UNAPPROVED)).to_have_count(0)

    # Discarding and unpublishing each ask first.
    page.get_by_role("link", name="Discard changes…").click()
    assert_accessible(page, "discard confirmation")
    page.get_by_role("button", name="Yes, discard the changes").click()
    expect(page.locator(".messagelist")).to_contain_text("The changes are discarded")
    # Taking it off the site is a medical reviewer's step, not the writer's (issue 27).
    expect(page.get_by_role("link", name="Unpublish…")).to_have_count(0)
    reviewing.goto(change_url)
    reviewing.get_by_role("link", name="Unpublish…").click()
    assert_accessible(reviewing, "unpublish confirmation")
    reviewing.get_by_role("link", name="No, go back").click()
    article.refresh_from_db()
    assert article.is_live and UNAPPROVED not in article.body
    patient_problems.assert_none()
