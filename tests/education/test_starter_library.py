import pytest
from django.core.management import call_command

from education.demo import seed_education
from education.models import Article, Topic
from education.readability import grade_level, plain_text
from education.starter import load_starter_library

pytestmark = pytest.mark.django_db

TOPICS, ARTICLES = load_starter_library()
ES_TOPICS, ES_ARTICLES = load_starter_library("es")


@pytest.mark.parametrize("starter", ARTICLES, ids=[a["slug"] for a in ARTICLES])
def test_starter_article_reads_at_grade_8_or_lower(starter):
    grade = grade_level(plain_text(starter["body"]))

    assert grade <= 8, f"{starter['slug']} reads at grade {grade:.1f}"


@pytest.mark.parametrize("starter", ARTICLES, ids=[a["slug"] for a in ARTICLES])
def test_starter_article_is_complete(starter):
    topic_slugs = {topic["slug"] for topic in TOPICS}

    assert starter["title"] and starter["body"].strip()
    assert len(starter["summary"]) <= 300
    assert starter["topics"] and set(starter["topics"]) <= topic_slugs


def test_there_are_at_least_five_starter_articles():
    assert len(ARTICLES) >= 5


def test_load_starter_articles_loads_drafts_once(capsys):
    call_command("load_starter_articles")
    call_command("load_starter_articles")

    assert Article.objects.in_language("en").count() == len(ARTICLES)
    assert Article.objects.in_language("es").count() == len(ES_ARTICLES)
    assert Topic.objects.count() == len(TOPICS) + len(ES_TOPICS)
    assert not Article.objects.exclude(status=Article.Status.DRAFT).exists()
    assert not Article.objects.filter(reviewer__isnull=False).exists()
    assert "0 new draft articles" in capsys.readouterr().out


def test_load_starter_articles_never_overwrites_a_clinicians_edits():
    call_command("load_starter_articles")
    edited = Article.objects.get(slug=ARTICLES[0]["slug"])
    edited.title = "Our own title"
    edited.save()

    call_command("load_starter_articles")

    edited.refresh_from_db()
    assert edited.title == "Our own title"


def test_starter_articles_record_where_they_came_from():
    call_command("load_starter_articles")

    article = Article.objects.get(slug=ARTICLES[0]["slug"])
    assert article.history.earliest().history_change_reason == "Loaded from the starter library"
    assert sorted(t.slug for t in article.topics.all()) == sorted(ARTICLES[0]["topics"])


def test_demo_seed_publishes_with_a_fictional_reviewer():
    seed_education(publish=True)

    published = Article.objects.published()
    assert published.count() == len(ARTICLES) + len(ES_ARTICLES)
    assert all("Demo" in article.reviewer.name for article in published)
    assert all(article.reviewed_on for article in published)
    assert published.filter(featured=True).exists()
