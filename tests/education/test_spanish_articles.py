"""Articles in Spanish (issue 15, part 3): a Spanish article is an article of its own,
linked to its English original; each language's pages, lists, search, feed and
sitemap show only its own articles, and the two pages name each other."""

import json
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
import textstat
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from education import writing_checks
from education.demo import seed_education
from education.models import Article, EmergencyNotice, Revision, Topic
from education.starter import load_starter_library
from tests.education.conftest import make_article, make_topic

pytestmark = pytest.mark.django_db

ES_BODY = (
    "<p>La ciática es un dolor que baja por la pierna. Empieza en la espalda. "
    "Un nervio está apretado. Casi siempre mejora en unas semanas.</p>"
)


@pytest.fixture
def topics():
    english = make_topic("Nerve pain", slug="nerve-pain")
    spanish = make_topic(
        "Dolor de nervios", slug="dolor-de-nervios", language="es", translation_of=english
    )
    return english, spanish


@pytest.fixture
def pair(topics):
    """An English article and its published Spanish translation."""
    english_topic, spanish_topic = topics
    english = make_article(
        "Sciatica",
        slug="sciatica",
        topics=[english_topic],
        body="<p>Sciatica is pain that runs down the leg.</p>",
        featured=True,
    )
    spanish = make_article(
        "Ciática",
        slug="ciatica",
        topics=[spanish_topic],
        body=ES_BODY,
        summary="Qué es la ciática y cómo se trata.",
        language="es",
        translation_of=english,
        featured=True,
    )
    return english, spanish


def alternates(html):
    return dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', html))


def language_link(html):
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    return re.search(r'<a class="ms-auto" href="([^"]+)" lang="(\w+)"', header).groups()


def json_ld(html):
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    return json.loads(found.group(1))


# The article pages


def test_the_spanish_article_is_served_in_spanish_under_es(client, pair, settings):
    response = client.get("/es/articles/ciatica/")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert '<h1 id="article-title">Ciática</h1>' in html
    assert json_ld(html)["inLanguage"] == "es-US"
    assert f'<link rel="canonical" href="{settings.SITE_URL}/es/articles/ciatica/">' in html


def test_the_two_pages_name_each_other_as_alternates(client, pair, settings):
    site = settings.SITE_URL
    english = client.get("/articles/sciatica/").content.decode()
    spanish = client.get("/es/articles/ciatica/").content.decode()

    both = {"en": f"{site}/articles/sciatica/", "es": f"{site}/es/articles/ciatica/"}
    assert alternates(english) == both
    assert alternates(spanish) == both
    assert json_ld(english)["inLanguage"] == "en-US"


def test_the_language_link_leads_to_the_translation(client, pair):
    english = client.get("/articles/sciatica/").content.decode()
    spanish = client.get("/es/articles/ciatica/").content.decode()

    assert language_link(english) == ("/es/articles/ciatica/", "es")
    assert language_link(spanish) == ("/articles/sciatica/", "en")


def test_an_unpublished_translation_is_neither_linked_nor_an_alternate(client, pair):
    _, spanish = pair
    spanish.status = Article.Status.DRAFT
    spanish.save()

    html = client.get("/articles/sciatica/").content.decode()

    assert alternates(html) == {}
    assert language_link(html) == ("/es/articles/", "es")
    assert client.get("/es/articles/ciatica/").status_code == HTTPStatus.NOT_FOUND


def test_an_article_is_found_only_under_its_own_language(client, pair):
    assert client.get("/es/articles/sciatica/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/articles/ciatica/").status_code == HTTPStatus.NOT_FOUND


def test_related_articles_are_in_the_pages_language(client, pair, topics):
    english_topic, spanish_topic = topics
    make_article("Nerve pain", slug="nerve-pain-article", topics=[english_topic])
    make_article("Dolor de nervios", slug="dolor", topics=[spanish_topic], language="es")

    spanish = client.get("/es/articles/ciatica/")
    english = client.get("/articles/sciatica/")

    assert [a.slug for a in spanish.context["related_articles"]] == ["dolor"]
    assert [a.slug for a in english.context["related_articles"]] == ["nerve-pain-article"]


def test_the_emergency_notice_is_in_spanish_and_links_the_spanish_article(client, pair):
    english, _ = pair
    notice = EmergencyNotice.objects.first() or EmergencyNotice()
    notice.article = english
    notice.save()

    html = client.get("/es/articles/ciatica/").content.decode()

    assert "Cuándo pedir ayuda de inmediato" in html
    assert "Llame al 911" in html
    # The page itself is the linked one: no link to itself.
    assert EmergencyNotice.compute_current("es")["url"] == "/es/articles/ciatica/"
    assert EmergencyNotice.compute_current("en")["url"] == "/articles/sciatica/"


# Lists, topics, home, search, feed and sitemap: each language its own articles


def test_each_article_list_shows_only_its_languages_articles(client, pair):
    english = client.get("/articles/")
    spanish = client.get("/es/articles/")

    assert [a.slug for a in english.context["articles"]] == ["sciatica"]
    assert [a.slug for a in spanish.context["articles"]] == ["ciatica"]
    assert [t.slug for t in spanish.context["topics"]] == ["dolor-de-nervios"]
    assert [t.slug for t in english.context["topics"]] == ["nerve-pain"]


def test_topic_pages_are_in_their_own_language_and_name_each_other(client, pair, settings):
    spanish = client.get("/es/articles/topics/dolor-de-nervios/")

    assert spanish.status_code == HTTPStatus.OK
    assert [a.slug for a in spanish.context["articles"]] == ["ciatica"]
    html = spanish.content.decode()
    assert language_link(html) == ("/articles/topics/nerve-pain/", "en")
    assert alternates(html)["en"] == f"{settings.SITE_URL}/articles/topics/nerve-pain/"
    assert client.get("/es/articles/topics/nerve-pain/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/articles/topics/dolor-de-nervios/").status_code == HTTPStatus.NOT_FOUND


def test_the_home_page_features_only_its_languages_articles(client, pair):
    english = client.get("/")
    spanish = client.get("/es/")

    assert [a.slug for a in english.context["featured_articles"]] == ["sciatica"]
    assert [a.slug for a in spanish.context["featured_articles"]] == ["ciatica"]
    assert [t.slug for t in spanish.context["topics"]] == ["dolor-de-nervios"]


def test_each_language_has_its_own_feed(client, pair, settings):
    english = client.get("/articles/feed/").content.decode()
    spanish = client.get("/es/articles/feed/").content.decode()

    assert f"{settings.SITE_URL}/articles/sciatica/" in english
    assert "/es/articles/ciatica/" not in english
    assert f"{settings.SITE_URL}/es/articles/ciatica/" in spanish
    assert "/articles/sciatica/" not in spanish
    assert "<language>es</language>" in spanish
    assert "<language>en</language>" in english


def test_the_sitemap_lists_each_article_with_its_translation(client, pair, settings):
    site = settings.SITE_URL
    xml = client.get("/sitemap-articles.xml").content.decode()
    xml += client.get("/sitemap-topics.xml").content.decode()

    for path in ("/articles/sciatica/", "/es/articles/ciatica/"):
        entry = xml.split(f"<loc>{site}{path}</loc>", 1)[1].split("</url>", 1)[0]
        assert f'hreflang="en" href="{site}/articles/sciatica/"' in entry
        assert f'hreflang="es" href="{site}/es/articles/ciatica/"' in entry
        assert f'hreflang="x-default" href="{site}/articles/sciatica/"' in entry
    topic = xml.split(f"<loc>{site}/es/articles/topics/dolor-de-nervios/</loc>", 1)[1]
    assert f'hreflang="en" href="{site}/articles/topics/nerve-pain/"' in topic.split("</url>")[0]


def test_an_article_without_translation_has_no_alternates_in_the_sitemap(client, settings):
    make_article("Neck pain", slug="neck-pain")

    xml = client.get("/sitemap-articles.xml").content.decode()
    entry = xml.split(f"<loc>{settings.SITE_URL}/articles/neck-pain/</loc>", 1)[1]

    assert "xhtml:link" not in entry.split("</url>", 1)[0]


def test_spanish_search_finds_accented_words_typed_without_accents(client, pair):
    for query in ("ciatica", "ciática", "CIATICA pierna", "nervio apretado"):
        response = client.get("/es/articles/", {"q": query})
        assert [a.slug for a in response.context["articles"]] == ["ciatica"], query


def test_each_language_searches_only_its_own_articles(client, pair):
    # Each taken as a typo of the word its own language's articles use.
    english = client.get("/articles/", {"q": "ciatica"})
    spanish = client.get("/es/articles/", {"q": "sciatica"})

    assert [a.slug for a in english.context["articles"]] == ["sciatica"]
    assert [a.slug for a in spanish.context["articles"]] == ["ciatica"]


def test_spanish_search_uses_the_stored_documents_index(pair):
    from django.db import connection

    # Enough published Spanish articles for the index to beat reading them all.
    Article.objects.bulk_create(
        Article(
            title=f"Artículo {n}",
            slug=f"articulo-{n}",
            summary="Espalda.",
            language="es",
            status=Article.Status.PUBLISHED,
            publish_at=timezone.now() - timedelta(days=1),
        )
        for n in range(400)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE education_article")
    query = Article.objects.search("ciatica", "es")  # with nothing else to narrow it down
    sql, params = query.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        # Only bitmap scans, as PostgreSQL uses a GIN index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert re.search(r"Index Scan on education_article_search_document\b", plan), plan


# Spanish readability


def test_a_spanish_article_is_measured_with_fernandez_huerta(pair):
    _, spanish = pair

    measure = spanish.readability

    assert measure.name == "Fernández-Huerta"
    assert measure.score >= 60 and not measure.misses_target
    assert textstat.textstat._textstatistics__lang == "en_US"  # the global stays English


def test_the_writing_checks_tell_spanish_from_the_text():
    spanish = writing_checks.check(ES_BODY + "<p>El médico le da un analgésico.</p>")
    english = writing_checks.check("<p>Sciatica is pain that runs down the leg.</p>")

    assert spanish["language"] == "es" and spanish["measure"] == "Fernández-Huerta"
    assert spanish["easier"] == "higher" and spanish["target"] == 60
    assert [w["term"] for w in spanish["plainer_words"]] == ["analgésico"]
    assert english["language"] == "en" and english["measure"] == "Flesch-Kincaid grade"
    assert english["target"] == 8 and english["easier"] == "lower"


def test_hard_spanish_misses_the_target():
    hard = (
        "<p>La radiculopatía lumbosacra secundaria a la protrusión discal posterolateral "
        "condiciona manifestaciones neurológicas caracterizadas por parestesias, "
        "disestesias e hipoestesias dermatómicas persistentes.</p>"
    )

    result = writing_checks.check(hard, "es")

    assert result["above_target"] and result["grade"] < 60


# The model


def test_an_english_article_cannot_be_a_translation(pair):
    english, _ = pair
    other = make_article("Other", slug="other")
    other.translation_of = english

    with pytest.raises(ValidationError, match="original"):
        other.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=other.pk).update(translation_of=english)


def test_an_original_has_one_translation_per_language(pair):
    english, _ = pair

    with pytest.raises(IntegrityError), transaction.atomic():
        make_article("Otra ciática", slug="otra", language="es", translation_of=english)


def test_a_translation_translates_an_english_original(pair):
    _, spanish = pair
    article = make_article("Otra", slug="otra", language="es", published=False)
    article.translation_of = spanish

    with pytest.raises(ValidationError, match="English original"):
        article.full_clean()


def test_a_published_article_keeps_its_language(pair):
    _, spanish = pair
    spanish.language = "en"
    spanish.translation_of = None

    with pytest.raises(ValidationError) as error:
        spanish.full_clean()
    assert set(error.value.message_dict) >= {"language", "translation_of"}


def test_a_draft_may_still_change_its_language():
    draft = make_article("Borrador", slug="borrador", published=False)
    draft.language = "es"

    draft.full_clean()


# The workflow: a Spanish article has its own clinical sign-off


def test_a_spanish_article_is_signed_off_and_published_on_its_own(
    client, pair, clinician_user, reviewer_user
):
    english, spanish = pair
    spanish.ensure_first_revision()
    english_reviewer = english.reviewer

    content = {**spanish.latest_revision.content, "title": "La ciática"}
    revision = spanish.save_revision(clinician_user, content)
    revision.submit_for_review(clinician_user)
    assert list(Article.objects.waiting_for_review_by(reviewer_user)) == [spanish]
    revision.approve(reviewer_user)
    revision.publish(clinician_user)

    spanish.refresh_from_db()
    english.refresh_from_db()
    assert spanish.title == "La ciática"
    assert spanish.reviewer == reviewer_user.clinician
    assert spanish.live_revision.state == Revision.State.PUBLISHED
    assert spanish.language == "es" and spanish.translation_of == english
    assert english.reviewer == english_reviewer  # the original's sign-off is its own
    html = client.get("/es/articles/ciatica/").content.decode()
    assert "Dr. Rae Reviewer" in html and "La ciática" in html


# The Spanish starter library


def test_loading_the_starter_library_twice_creates_nothing_new(capsys):
    es_topics, es_articles = load_starter_library("es")
    call_command("load_starter_articles")
    counts = (Article.objects.count(), Topic.objects.count(), Revision.objects.count())

    call_command("load_starter_articles")

    assert (Article.objects.count(), Topic.objects.count(), Revision.objects.count()) == counts
    assert "0 new draft articles" in capsys.readouterr().out
    spanish = Article.objects.filter(language="es")
    assert spanish.count() == len(es_articles)
    assert not spanish.filter(translation_of=None).exists()
    assert not spanish.exclude(status=Article.Status.DRAFT).exists()
    for data in es_articles:
        article = spanish.get(slug=data["slug"])
        assert article.translation_of.slug == data["translation_of"]
        assert {t.slug for t in article.topics.all()} == set(data["topics"])
        assert {t.language for t in article.topics.all()} == {"es"}
    assert Topic.objects.filter(language="es", translation_of__isnull=False).count() == len(
        es_topics
    )


def test_the_demo_publishes_the_spanish_library_signed_off_by_the_demo_reviewer(client):
    seed_education(publish=True)

    spanish = Article.objects.published().in_language("es")
    assert spanish.count() == len(load_starter_library("es")[1])
    assert {a.reviewer.name for a in spanish.select_related("reviewer")} == {"Dr. Avery Demo"}
    assert all(a.live_revision.state == Revision.State.PUBLISHED for a in spanish)
    emergency = Article.objects.get(slug="cuando-el-dolor-de-espalda-o-cuello-es-una-emergencia")
    assert client.get(emergency.get_absolute_url()).status_code == HTTPStatus.OK
    # Later edits wait for approval, as for English.
    assert emergency.edits_wait_for_approval


def test_a_scheduled_translation_is_not_named_until_its_time(client, pair):
    _, spanish = pair
    spanish.publish_at = timezone.now() + timedelta(days=1)
    spanish.save()

    html = client.get("/articles/sciatica/").content.decode()

    assert alternates(html) == {}
