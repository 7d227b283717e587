"""An article's sources as data a reviewer can check (issue 30): a guideline or
article with its year, or a web page with its address and the date it was read; the
review panel flags a page read more than two years ago, by the clinic's date."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from education.sources import parse_source, stale_web_pages, validate_sources, years_before
from education.starter import TRANSLATIONS, load_starter_library
from tests.clients import BrowserClient

NICE = "NICE. Low back pain and sciatica in over 16s (NG59). 2016, updated 2020."
NHS_PAGE = "NHS. Sciatica. https://www.nhs.uk/conditions/sciatica/ (read {}).".format


def test_a_guideline_is_read_with_its_year():
    source = parse_source(NICE)

    assert (source.year, source.url, source.problem) == (2020, "", "")


def test_a_web_page_is_read_with_its_address_and_read_date():
    source = parse_source(NHS_PAGE("2026-01-15"))

    assert source.url == "https://www.nhs.uk/conditions/sciatica/"
    assert source.read_on == date(2026, 1, 15) and not source.problem


@pytest.mark.parametrize(
    "line",
    [
        "NHS. Sciatica. https://www.nhs.uk/conditions/sciatica/. 2023.",  # a year, not a read date
        "NHS. Sciatica. www.nhs.uk/conditions/sciatica (read 2026-01-15).",  # no scheme
        "NHS. Sciatica. https://www.nhs.uk/conditions/sciatica/ (read 2026-02-30).",
        "Mayo Clinic. Back pain.",
        "Ask Dr. Smith",
    ],
)
def test_a_source_neither_dated_nor_a_dated_page_is_refused(line):
    assert parse_source(line).problem
    with pytest.raises(ValidationError):
        validate_sources(f"{NICE}\n{line}")


def test_valid_sources_pass_and_blank_lines_are_ignored():
    validate_sources(f"{NICE}\n\n{NHS_PAGE('2025-03-01')}\n")
    validate_sources("")


@pytest.mark.clock
def test_a_page_read_in_the_future_is_refused():
    tomorrow = timezone.localdate() + timedelta(days=1)

    assert parse_source(NHS_PAGE(tomorrow.isoformat())).problem


@pytest.mark.parametrize(
    ("read_on", "stale"),
    [("2024-12-06", True), ("2024-12-07", False), ("2025-06-01", False)],
)
def test_a_page_read_more_than_two_years_ago_is_stale(read_on, stale):
    found = stale_web_pages(f"{NICE}\n{NHS_PAGE(read_on)}", today=date(2026, 12, 7))

    assert bool(found) is stale
    assert all(source.url for source in found)


def test_two_years_before_the_29th_of_february():
    assert years_before(date(2028, 2, 29), 2) == date(2026, 2, 28)


def test_a_guideline_never_goes_stale():
    assert not stale_web_pages("ACP. Low back pain guideline. 2007.", today=date(2040, 1, 1))


@pytest.mark.clock
def test_two_years_are_counted_on_the_clinics_date(monkeypatch, settings):
    """At 22:30 in New York on 7 December it is already the 8th in UTC: a page read
    on 7 December two years before is exactly two years old, not more."""
    settings.TIME_ZONE = "America/New_York"
    evening = datetime(2026, 12, 7, 22, 30, tzinfo=ZoneInfo("America/New_York"))
    monkeypatch.setattr(timezone, "now", lambda: evening.astimezone(ZoneInfo("UTC")))

    assert evening.astimezone(ZoneInfo("UTC")).date() == date(2026, 12, 8)
    assert not stale_web_pages(NHS_PAGE("2024-12-07"))
    assert stale_web_pages(NHS_PAGE("2024-12-06"))


@pytest.mark.clock
@pytest.mark.parametrize("language", ["en", *TRANSLATIONS])
def test_every_starter_source_is_dated_and_no_page_is_stale(language):
    _, articles = load_starter_library(language)
    for article in articles:
        text = "\n".join(article["sources"])
        validate_sources(text)
        assert not stale_web_pages(text), article["slug"]


# The review panel


@pytest.fixture
def reviewer_client(reviewer_user):
    client = BrowserClient()
    client.force_login(reviewer_user)
    return client


@pytest.mark.django_db
@pytest.mark.clock
def test_the_review_panel_flags_a_page_read_over_two_years_ago(reviewer_client, article):
    old = timezone.localdate() - timedelta(days=2 * 366 + 1)
    recent = timezone.localdate() - timedelta(days=30)
    article.sources = f"{NICE}\n{NHS_PAGE(old.isoformat())}\n" + NHS_PAGE(
        recent.isoformat()
    ).replace("sciatica/", "back-pain/")
    article.save()

    page = reviewer_client.get(reverse("admin:education_article_change", args=[article.pk]))
    html = page.content.decode()

    assert "Sources to check" in html
    assert "Read more than two years ago" in html
    assert 'href="https://www.nhs.uk/conditions/sciatica/"' in html
    assert "back-pain/ (read" not in html.split("Sources to check", 1)[1].split("</ul>", 1)[0]


@pytest.mark.django_db
def test_the_review_panel_says_nothing_when_every_source_is_current(reviewer_client, article):
    article.sources = f"{NICE}\n{NHS_PAGE(timezone.localdate().isoformat())}"
    article.save()

    page = reviewer_client.get(reverse("admin:education_article_change", args=[article.pk]))

    assert "Sources to check" not in page.content.decode()


def test_a_page_nobody_has_read_yet_says_so_and_is_accepted():
    source = parse_source("NHS. Sciatica. https://www.nhs.uk/conditions/sciatica/ (not yet read).")

    assert source.not_yet_read and source.url and not source.problem
    validate_sources(source.text)


@pytest.mark.django_db
def test_the_review_panel_lists_pages_nobody_has_read_yet(reviewer_client, article):
    article.sources = (
        f"{NICE}\nNHS. Sciatica. https://www.nhs.uk/conditions/sciatica/ (not yet read)."
    )
    article.save()

    page = reviewer_client.get(reverse("admin:education_article_change", args=[article.pk]))

    assert "Not read yet" in page.content.decode()


@pytest.mark.django_db
def test_the_admin_refuses_a_source_without_year_or_read_date(reviewer_client, article, topic):
    from tests.education.test_admin import form_data

    data = form_data(topic, slug=article.slug, sources="Mayo Clinic. Back pain.")
    page = reviewer_client.post(reverse("admin:education_article_change", args=[article.pk]), data)

    assert page.status_code == 200
    assert "No year and no web address." in page.content.decode()
