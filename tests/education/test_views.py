import json
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.education.conftest import make_article, make_topic

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def json_ld(response):
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


# The list


def test_list_shows_published_articles_newest_first(client, topic):
    make_article("Older article", publish_at=timezone.now() - timedelta(days=3))
    make_article("Newer article", publish_at=timezone.now() - timedelta(days=1))

    response = client.get(reverse("education:article_list"))

    assert response.status_code == HTTPStatus.OK
    assert [a.title for a in response.context["articles"]] == ["Newer article", "Older article"]


def test_list_hides_drafts_and_scheduled_articles(client, article, draft, scheduled):
    response = client.get(reverse("education:article_list"))

    assert list(response.context["articles"]) == [article]
    assert draft.title not in response.content.decode()
    assert scheduled.title not in response.content.decode()


def test_list_shows_topic_chips_for_topics_with_articles(client, article, topic):
    make_topic("Nothing here yet")

    response = client.get(reverse("education:article_list"))

    assert f'href="{topic.get_absolute_url()}"' in response.content.decode()
    assert "Nothing here yet" not in response.content.decode()


def test_list_pages_ten_at_a_time(client):
    for number in range(12):
        make_article(f"Article {number}", publish_at=timezone.now() - timedelta(hours=number + 1))

    first = client.get(reverse("education:article_list"))
    second = client.get(reverse("education:article_list"), {"page": 2})

    assert len(first.context["articles"]) == 10
    assert 'href="?page=2"' in first.content.decode()
    assert [a.title for a in second.context["articles"]] == ["Article 10", "Article 11"]


def test_search_pages_ten_at_a_time_in_rank_order(client):
    # Ranked by the title match, then the newest first: "Knee 0" is the best match.
    for number in range(12):
        make_article(
            f"Knee {number}",
            body="<p>About the knee.</p>",
            publish_at=timezone.now() - timedelta(hours=number + 1),
        )
    make_article("Walking", body="<p>A knee brace may help.</p>")

    first = client.get(reverse("education:article_list"), {"q": "knee"})
    second = client.get(reverse("education:article_list"), {"q": "knee", "page": 2})
    past_the_end = client.get(reverse("education:article_list"), {"q": "knee", "page": 3})

    assert first.context["paginator"].count == 13
    assert [a.title for a in first.context["articles"]] == [f"Knee {n}" for n in range(10)]
    assert [a.title for a in second.context["articles"]] == ["Knee 10", "Knee 11", "Walking"]
    assert past_the_end.status_code == HTTPStatus.NOT_FOUND


def test_list_page_past_the_end_is_not_found(client, article):
    response = client.get(reverse("education:article_list"), {"page": 9})

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_search_finds_words_anywhere_in_the_article(client):
    make_article("Facet joints explained", body="<p>Small joints of the spine.</p>")
    make_article("Physical therapy", body="<p>Exercises for a stronger back.</p>")

    response = client.get(reverse("education:article_list"), {"q": "  spine   joints "})

    assert [a.title for a in response.context["articles"]] == ["Facet joints explained"]
    assert response.context["query"] == "spine joints"
    assert "1 article found" in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_search_keeps_the_query_in_paging_links(client):
    for number in range(11):
        make_article(f"Back pain {number}")

    response = client.get(reverse("education:article_list"), {"q": "back"})

    assert 'href="?q=back&amp;page=2"' in response.content.decode()


def test_search_without_matches_offers_a_way_on(client, article):
    response = client.get(reverse("education:article_list"), {"q": "zebra"})

    assert response.status_code == HTTPStatus.OK
    assert "0 articles found" in response.content.decode()
    assert "Try fewer or different words" in response.content.decode()


def test_search_does_not_find_drafts(client, draft):
    response = client.get(reverse("education:article_list"), {"q": "injections"})

    assert list(response.context["articles"]) == []


def test_odd_search_input_is_harmless(client, article):
    for query in ["<script>alert(1)</script>", "a" * 5000, "'; DROP TABLE x; --", "\x00"]:
        response = client.get(reverse("education:article_list"), {"q": query})

        assert response.status_code in {HTTPStatus.OK, HTTPStatus.BAD_REQUEST}
        assert "<script>alert(1)" not in response.content.decode()


def test_postgres_search_ranks_title_matches_first_and_stems_words(client):
    body_only = make_article(
        "Living with back pain",
        body="<p>Some people get an injection in the spine.</p>",
        publish_at=timezone.now() - timedelta(hours=1),
    )
    in_title = make_article(
        "What to expect from a facet joint injection",
        body="<p>The doctor uses an x-ray.</p>",
        publish_at=timezone.now() - timedelta(days=30),
    )
    make_article("Physical therapy", body="<p>Exercise helps.</p>")

    response = client.get(reverse("education:article_list"), {"q": "injections"})

    assert list(response.context["articles"]) == [in_title, body_only]


def test_a_patients_phrase_finds_the_best_match_first(client):
    make_article(
        "Living with back pain",
        body="<p>Tips for work and home.</p>",
        publish_at=timezone.now() - timedelta(hours=1),
    )
    wanted = make_article(
        "What's next if facet joint injections don't work",
        body="<p>Other treatments to try.</p>",
        publish_at=timezone.now() - timedelta(days=30),
    )
    make_article("Physical therapy", body="<p>Exercise helps.</p>")

    # Words the article doesn't contain ("didnt", "shot") don't hide it.
    response = client.get(
        reverse("education:article_list"), {"q": "facet injections didnt work shot"}
    )

    assert response.context["articles"][0] == wanted


def test_a_search_of_only_stop_words_finds_nothing(client, article):
    response = client.get(reverse("education:article_list"), {"q": "what is it"})

    assert list(response.context["articles"]) == []


# Topic pages


def test_topic_page_lists_only_its_published_articles(client, topic, article, draft):
    elsewhere = make_article("Elsewhere", topics=[make_topic("Exercise")])

    response = client.get(topic.get_absolute_url())

    assert response.status_code == HTTPStatus.OK
    assert response.context["topic"] == topic
    assert list(response.context["articles"]) == [article]
    assert elsewhere.title not in response.content.decode()
    assert 'aria-current="page"' in response.content.decode()


def test_unknown_topic_is_not_found(client):
    response = client.get(reverse("education:topic_detail", kwargs={"slug": "nope"}))

    assert response.status_code == HTTPStatus.NOT_FOUND


# The article page


def test_article_page_shows_review_dates_reading_time_and_body(client, article, reviewer):
    response = client.get(article.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == HTTPStatus.OK
    assert "<h1" in html and article.title in html
    assert article.summary in html
    assert f"Medically reviewed by <strong>{reviewer.name}, MD</strong> on" in html
    assert timezone.localdate().strftime("%B %-d, %Y") in html
    assert "Updated <time" in html
    assert "1&nbsp;min read" in html
    assert "Facet joints are small joints in your spine." in html
    assert "Draft preview" not in html


def test_article_page_has_disclaimer_call_to_action_and_phone(client, article, settings):
    html = client.get(article.get_absolute_url()).content.decode()

    assert "It does not replace advice from your own doctor" in html
    request_link = f'href="{reverse("appointments:request")}?article={article.slug}"'
    assert html.count(request_link) == 2  # the header button and the closing banner
    assert 'href="tel:+16145550142"' in html
    assert "Ready to talk about your pain?" in html


def test_article_page_lists_related_articles(client, topic, article):
    related = make_article("Injections and facet joints", topics=[topic])
    unrelated = make_article("Yoga", topics=[make_topic("Exercise")])

    response = client.get(article.get_absolute_url())

    assert list(response.context["related_articles"]) == [related]
    assert unrelated.title not in response.content.decode()


def test_article_page_meta_canonical_and_open_graph(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    url = f"https://clinic.example.org{article.get_absolute_url()}"

    assert f'<meta name="description" content="{article.summary}">' in html
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert f'<meta property="og:title" content="{article.title}">' in html
    assert '<meta property="og:type" content="article">' in html


def test_json_ld_describes_a_medically_reviewed_web_page(client, article, reviewer, topic):
    data = json_ld(client.get(article.get_absolute_url()))

    assert data["@type"] == "MedicalWebPage"
    assert data["name"] == article.title
    assert data["description"] == article.summary
    assert data["lastReviewed"] == article.reviewed_on.isoformat()
    assert data["reviewedBy"] == {"@type": "Person", "name": reviewer.name, "honorificSuffix": "MD"}
    assert data["about"] == [{"@type": "Thing", "name": topic.name}]
    assert data["datePublished"] and data["dateModified"]
    assert data["publisher"]["name"] == "Riverside Pain & Spine Care"


def test_json_ld_cannot_be_broken_out_of(client, reviewer):
    article = make_article("Sneaky </script><script>alert(1)</script>", slug="sneaky")

    response = client.get(article.get_absolute_url())

    assert "</script><script>alert(1)" not in response.content.decode()
    assert json_ld(response)["name"] == article.title


def test_body_is_cleaned_again_when_shown(client, article):
    # QuerySet.update() skips save() and its sanitiser.
    unsafe = '<p onclick="x()">Hi</p><script>bad()</script>'
    type(article).objects.filter(pk=article.pk).update(body=unsafe)

    html = client.get(article.get_absolute_url()).content.decode()

    assert "<p>Hi</p>" in html
    assert "bad()" not in html and "onclick" not in html


def test_draft_and_future_articles_are_not_found_by_visitors(client, draft, scheduled):
    assert client.get(draft.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert client.get(scheduled.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_front_desk_cannot_preview_drafts(front_desk_client, draft):
    response = front_desk_client.get(draft.get_absolute_url())

    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("which", ["draft", "scheduled"])
def test_clinicians_preview_drafts_and_scheduled_articles_with_a_banner(
    clinician_client, request, which
):
    article = request.getfixturevalue(which)

    response = clinician_client.get(article.get_absolute_url())

    assert response.status_code == HTTPStatus.OK
    assert "Draft preview." in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


def test_preview_of_an_unreviewed_draft_says_so(manager_client, draft):
    html = manager_client.get(draft.get_absolute_url()).content.decode()

    assert "Not yet medically reviewed." in html
    assert "lastReviewed" not in html


def test_unknown_article_is_not_found(client):
    response = client.get(reverse("education:article_detail", kwargs={"slug": "no-such-thing"}))

    assert response.status_code == HTTPStatus.NOT_FOUND


# Home page (clinic.views.home shows these sections)


def test_home_shows_featured_articles_and_topics(client, topic):
    featured = make_article("Featured one", topics=[topic], featured=True)
    plain = make_article("Not featured", topics=[topic])

    html = client.get(reverse("home")).content.decode()

    assert featured.title in html
    assert plain.title not in html
    assert f'href="{topic.get_absolute_url()}"' in html
