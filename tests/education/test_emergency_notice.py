"""The "when to get help right away" notice on every article page, and the sources
clinicians check an article against (issue 18)."""

from http import HTTPStatus

import pytest
from django.core.management import call_command

from education.demo import EMERGENCY_ARTICLE, seed_education
from education.models import Article, EmergencyNotice
from education.starter import load_starter_library

pytestmark = pytest.mark.django_db

_, STARTER = load_starter_library()


def notice_html(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    start = html.index('<aside class="emergency-notice')
    return html[start : html.index("</aside>", start)]


def test_the_notice_on_the_emergency_article_does_not_link_to_itself(client):
    seed_education(publish=True)

    notice = notice_html(client, Article.objects.get(slug=EMERGENCY_ARTICLE))

    assert "href=" not in notice


def test_any_article_shows_the_notice_even_without_a_linked_article(client, article):
    notice = notice_html(client, article)

    assert EmergencyNotice.objects.get().article is None
    assert "bladder" in notice
    assert "href=" not in notice  # nothing to link to yet


def test_the_built_in_wording_shows_if_the_notice_row_is_gone(client, article):
    EmergencyNotice.objects.all().delete()

    assert "bladder" in notice_html(client, article)


def test_a_reviewers_edit_of_the_notice_shows_at_once_on_cached_pages(
    client, reviewer_user, article
):
    client.get(article.get_absolute_url())  # now kept in the page cache
    notice = EmergencyNotice.objects.get()
    staff = client.__class__()
    staff.force_login(reviewer_user)

    response = staff.post(
        f"/admin/education/emergencynotice/{notice.pk}/change/",
        {
            "heading": "Get help now",
            "text": "Call 911 for any of these signs.\nCall us the same day for a fever.",
            "article": "",
            "link_text": "More",
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    html = notice_html(client, article)
    assert "Get help now" in html
    assert '<p class="mb-2">Call us the same day for a fever.</p>' in html
    assert notice.history.first().history_user == reviewer_user


def test_the_link_goes_only_to_a_live_article(client, article, draft):
    EmergencyNotice.objects.update(article=draft)

    assert f'href="{draft.get_absolute_url()}"' not in notice_html(client, article)


def test_the_notice_cannot_be_added_twice_or_deleted(admin_client):
    notice = EmergencyNotice.objects.get()

    assert admin_client.get("/admin/education/emergencynotice/add/").status_code == 403
    delete = admin_client.post(
        f"/admin/education/emergencynotice/{notice.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 403
    assert EmergencyNotice.objects.count() == 1


def test_loading_the_starter_library_links_the_notice_to_the_emergency_article():
    call_command("load_starter_articles")

    assert EmergencyNotice.objects.get().article.slug == EMERGENCY_ARTICLE


def test_loading_never_replaces_the_clinics_own_choice_of_article(article):
    EmergencyNotice.objects.update(article=article)

    call_command("load_starter_articles")

    assert EmergencyNotice.objects.get().article == article


# Sources: for the medical reviewer, shown to patients only if the clinic wants.


def test_starter_articles_carry_their_sources_for_the_reviewer(clinician_client):
    call_command("load_starter_articles")
    article = Article.objects.get(slug="what-to-expect-from-a-facet-joint-injection")

    html = clinician_client.get(f"/admin/education/article/{article.pk}/change/").content.decode()

    assert "NICE. Low back pain and sciatica in over 16s" in article.sources
    assert "NICE. Low back pain and sciatica in over 16s" in html


def test_patients_do_not_see_sources_by_default(client, article):
    article.sources = "NICE. Low back pain and sciatica (NG59). 2020."
    article.save()

    html = client.get(article.get_absolute_url()).content.decode()

    assert "NG59" not in html


def test_patients_see_sources_when_the_clinic_shows_them(client, article, settings):
    settings.ARTICLE_SOURCES_PUBLIC = True
    article.sources = "NICE. Low back pain and sciatica (NG59). 2020.\n\nACP. Guideline. 2017."
    article.save()

    html = client.get(article.get_absolute_url()).content.decode()

    assert "<li>NICE. Low back pain and sciatica (NG59). 2020.</li>" in html
    assert "<li>ACP. Guideline. 2017.</li>" in html
    assert "<li></li>" not in html


# Corrections reach starter articles nobody has touched, and only those.


def test_reloading_brings_an_untouched_starter_article_up_to_date():
    call_command("load_starter_articles")
    old = "<p>Clinics report about 75% success.</p>"
    Article.objects.filter(slug=STARTER[1]["slug"]).update(body=old)  # as an older release

    call_command("load_starter_articles")

    article = Article.objects.get(slug=STARTER[1]["slug"])
    assert "75%" not in article.body
    assert article.history.first().history_change_reason == "Updated from the starter library"


def test_reloading_never_touches_an_article_a_clinician_has_edited():
    call_command("load_starter_articles")
    article = Article.objects.get(slug=STARTER[1]["slug"])
    article.body = "<p>Our own words.</p>"
    article.save()  # a clinician's save: no starter-library reason on record

    call_command("load_starter_articles")

    article.refresh_from_db()
    assert article.body == "<p>Our own words.</p>"
