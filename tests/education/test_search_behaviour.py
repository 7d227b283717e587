"""How the article search reads what patients type (issue 14): all the words first,
patients' words for the articles' words, typos, "Did you mean", and a way on when
nothing is found. See education/search.py."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.tasks import TaskResultStatus
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from education import search
from education.demo import load_starter_library_into_db
from education.models import Article, SearchWord
from tests.education.conftest import make_article, make_topic

pytestmark = pytest.mark.django_db

LIST_URL = reverse("education:article_list")


def titles(client, query):
    response = client.get(LIST_URL, {"q": query})
    return [article.title for article in response.context["articles"]]


@pytest.fixture
def library():
    """A few articles on other things, so that no word below is in most of them."""
    topic = make_topic("Getting help")
    for number, subject in enumerate(["heat and ice", "sleep", "work", "driving", "pillows"]):
        make_article(
            f"Tips about {subject}",
            body=f"<p>Some plain advice about {subject} for everyday life.</p>",
            topics=[topic],
            publish_at=timezone.now() - timedelta(days=30 + number),
        )
    return topic


def test_articles_with_all_the_words_come_before_a_better_title_with_one(client, library):
    make_article(
        "Sciatica",
        body="<p>Leg pain from a pinched nerve.</p>",
        publish_at=timezone.now() - timedelta(hours=1),
    )
    both = make_article(
        "Staying active",
        body="<p>With sciatica, walking helps.</p>",
        publish_at=timezone.now() - timedelta(days=9),
    )
    make_article("Walking", body="<p>Good shoes help.</p>")

    found = titles(client, "sciatica walking")

    assert found[0] == both.title
    assert set(found[1:]) == {"Sciatica", "Walking"}


def test_a_title_match_ranks_above_a_body_match(client, library):
    make_article("Living with pain", body="<p>Some people try acupuncture.</p>")
    make_article(
        "Acupuncture",
        body="<p>Thin needles.</p>",
        publish_at=timezone.now() - timedelta(days=20),
    )

    assert titles(client, "acupuncture") == ["Acupuncture", "Living with pain"]


@pytest.mark.parametrize(
    ("typed", "title", "body"),
    [
        ("shots", "Facet joint injections", "<p>A needle, guided by X-ray.</p>"),
        ("burning the nerve", "Radiofrequency ablation", "<p>Heat quiets a nerve.</p>"),
        ("slipped disk", "Herniated disc", "<p>The soft center pushes out.</p>"),
        ("muscle relaxers", "Muscle relaxants", "<p>Short-term help only.</p>"),
    ],
)
def test_patients_words_find_the_articles_words(client, library, typed, title, body):
    make_article(title, body=body)

    assert titles(client, typed)[:1] == [title]


def test_a_typo_finds_the_word_it_was_meant_to_be_and_says_so(client, library):
    make_article("Sciatica", body="<p>Leg pain from a pinched nerve.</p>")

    response = client.get(LIST_URL, {"q": "sciatca"})

    assert [a.title for a in response.context["articles"]] == ["Sciatica"]
    assert "Showing results for “<strong>sciatica</strong>”" in response.content.decode()


def test_an_english_word_is_not_turned_into_another(client, library):
    make_article("Coming to the clinic", body="<p>Parking is free.</p>")

    response = client.get(LIST_URL, {"q": "coping"})

    assert list(response.context["articles"]) == []
    assert "Did you mean" not in response.content.decode()


def test_nothing_found_offers_did_you_mean_the_topics_the_phone_and_the_form(
    client, library, monkeypatch
):
    make_article("Sciatica", body="<p>Leg pain from a pinched nerve.</p>")
    # Only a suggestion, never searched for: as for a word less like a known one.
    monkeypatch.setattr(search, "CORRECT", 1.01)

    response = client.get(LIST_URL, {"q": "sciatca"})
    html = response.content.decode()

    assert list(response.context["articles"]) == []
    assert "0 articles found" in html
    assert 'Did you mean <a href="?q=sciatica">sciatica</a>?' in html
    results = html[html.index('id="results-heading"') :]
    assert f'href="{library.get_absolute_url()}"' in results
    assert 'href="tel:+16145550142"' in results
    assert f'href="{reverse("appointments:request")}"' in results


def test_nothing_found_and_nothing_like_it_still_offers_a_way_on(client, library):
    response = client.get(LIST_URL, {"q": "zebra"})
    html = response.content.decode()

    assert "Did you mean" not in html
    results = html[html.index('id="results-heading"') :]
    assert "Try fewer or different words" in results
    assert f'href="{library.get_absolute_url()}"' in results
    assert 'href="tel:+16145550142"' in results
    assert f'href="{reverse("appointments:request")}"' in results


def test_results_come_before_the_topics_on_a_search(client, library):
    make_article("Sciatica", body="<p>Leg pain from a pinched nerve.</p>")

    html = client.get(LIST_URL, {"q": "sciatica"}).content.decode()

    assert html.index('href="/articles/sciatica/"') < html.index('aria-label="Topics"')
    assert html.count('aria-label="Topics"') == 1


def test_a_word_most_articles_use_does_not_count_towards_all_the_words(library):
    for name in ("Neck pain", "Back pain", "Knee pain", "Hip pain", "Sciatica pain"):
        make_article(name, body="<p>About pain.</p>")
    for article in Article.objects.all():  # pain in every article
        Article.objects.filter(pk=article.pk).update(body=article.body + "<p>Pain.</p>")
    search.refresh_words()  # update() sends no signal: what saving would have queued

    understood = search.understand("sciatica pain", Article.objects.published())

    assert [(c.typed, c.common) for c in understood.concepts] == [
        ("sciatica", False),
        ("pain", True),
    ]


def test_the_synonym_list_is_lower_case_without_apostrophes_in_its_keys():
    for key in search.synonyms():
        assert key == " ".join(search.words(key)), key


def test_a_search_with_a_typo_costs_the_same_whatever_the_library_size(client, library):
    def cost():
        client.get(LIST_URL, {"q": "sciatca pain"})  # the list page's own, kept once made
        with CaptureQueriesContext(connection) as queries:
            client.get(LIST_URL, {"q": "sciatca pain"})
        return len(queries)

    make_article("Sciatica", body="<p>Leg pain.</p>")
    small = cost()
    for number in range(40):
        make_article(f"Pain {number}", body=f"<p>Pain number {number}.</p>")

    # The list page's four, plus the word list's two (typos and stop words, then how
    # widespread each concept is).
    assert cost() == small <= 6


def test_the_trigram_and_unaccent_extensions_are_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname IN ('pg_trgm', 'unaccent')")
        assert sorted(row[0] for row in cursor.fetchall()) == ["pg_trgm", "unaccent"]


def explain(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_search_and_its_ranked_ids_read_the_stored_document_through_its_index(library):
    make_article("Sciatica", body="<p>Leg pain from a pinched nerve.</p>")
    found = Article.objects.search("sciatica pain", "en")  # nothing else to narrow it down

    # The list page reads the ranked ids (and counts them), then its page by id.
    for plan in (explain(found), explain(found.values_list("pk", flat=True))):
        assert re.search(r"Index Scan on education_article_search_document\b", plan), plan
        assert "to_tsvector" not in plan, plan  # nothing parsed again


def test_the_stored_document_is_the_plain_text_with_weights():
    article = make_article(
        "Café and sciatica",
        slug="cafe",
        summary="Short.",
        body="<p>Hip&nbsp;pain &amp; <a href='https://example.org/'>knees</a></p>",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_document::text FROM education_article WHERE id = %s", [article.pk]
        )
        document = cursor.fetchone()[0]

    # Accents off, stemmed, title A and summary B; the body's tags and entities gone.
    assert "'cafe':1A" in document and "'sciatica':3A" in document
    assert "'short':4B" in document
    assert "'hip':5" in document and "'pain':6" in document and "'knee':7" in document
    assert "href" not in document and "nbsp" not in document and "amp" not in document


def test_the_word_list_follows_publishing(library):
    article = make_article("Sciatica", body="<p>Leg pain from a pinched nerve.</p>")
    words = SearchWord.objects.filter(language="en", stemmed=False)
    assert words.filter(word="sciatica").exists()

    article.status = Article.Status.DRAFT
    article.save()

    assert not words.filter(word="sciatica").exists()


def test_loading_the_starter_library_rebuilds_the_word_list_once(monkeypatch):
    rebuilds = []
    real_refresh = search.refresh_words
    monkeypatch.setattr(search, "refresh_words", lambda: rebuilds.append(1) or real_refresh())

    counts = load_starter_library_into_db(publish=True)

    assert counts["articles"] > 50  # every one of them saved, yet
    assert len(rebuilds) == 1
    words = SearchWord.objects.filter(stemmed=False)
    assert words.filter(language="en", word="sciatica").exists()
    assert words.filter(language="es", word="ciatica").exists()


def test_changes_in_a_load_refresh_the_words_at_its_end_and_others_at_once(library):
    with search.one_refresh_for_the_whole_load():
        make_article("Sciatica", body="<p>Leg pain from a pinched nerve.</p>")
        assert not SearchWord.objects.filter(word="sciatica").exists()  # not yet

    assert SearchWord.objects.filter(word="sciatica").exists()  # at the load's end
    make_article("Whiplash", body="<p>Neck pain after a car crash.</p>")
    assert SearchWord.objects.filter(word="whiplash").exists()  # no load: at once


@pytest.fixture
def worker_queue(settings):
    """The database task queue, as in production: a queued task waits for the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queued_refreshes():
    return DBTaskResult.objects.filter(task_path="education.search.refresh_words_task")


def test_many_saves_in_a_row_queue_one_word_list_rebuild(worker_queue):
    article = make_article("Sciatica")
    for number in range(5):
        article.summary = f"Version {number}."
        article.save()
    make_article("Neck pain").delete()

    assert queued_refreshes().count() == 1


def test_a_save_during_a_rebuild_queues_another(worker_queue):
    article = make_article("Sciatica")
    # The worker has started the rebuild: it may have read the articles already.
    queued_refreshes().update(status=TaskResultStatus.RUNNING)

    article.save()
    article.save()

    assert list(queued_refreshes().values_list("status", flat=True).order_by("status")) == [
        TaskResultStatus.READY,
        TaskResultStatus.RUNNING,
    ]


def worker_would_start():
    """What the worker finds to start: the waiting rebuild, unless a transaction holds it
    (the worker skips locked tasks). Asked from another connection, as the worker is."""

    def claimable():
        try:
            with transaction.atomic():
                waiting = queued_refreshes().filter(status=TaskResultStatus.READY)
                return len(waiting.select_for_update(skip_locked=True))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(claimable).result()


@pytest.mark.django_db(transaction=True)
def test_the_waiting_rebuild_cannot_start_before_a_save_commits(worker_queue):
    article = make_article("Sciatica")  # committed, and its rebuild queued
    with transaction.atomic():
        article.summary = "Changed."
        article.save()  # finds the rebuild waiting: it would miss this change if it ran now
        assert worker_would_start() == 0

    assert worker_would_start() == 1
