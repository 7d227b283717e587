"""Loading the starter library: published with fictional reviewers for a demo,
or as drafts for a real clinic's clinicians to review (see load_starter_articles)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from education.models import Article, Clinician, EmergencyNotice, Topic
from education.sanitize import clean_article_html
from education.starter import load_starter_library
from education.starter_diagrams import place_article_diagrams, place_diagrams

# Clearly fictional: "Demo" in every name, so nobody mistakes them for real reviewers.
DEMO_CLINICIANS = [
    {
        "name": "Dr. Avery Demo",
        "credentials": "MD",
        "title": "Interventional pain physician (demo profile)",
        "bio": "A fictional physician used for demonstration content.",
    },
    {
        "name": "Jordan Demo",
        "credentials": "DPT",
        "title": "Physical therapist (demo profile)",
        "bio": "A fictional physical therapist used for demonstration content.",
    },
]


LOADED = "Loaded from the starter library"
UPDATED = "Updated from the starter library"
# The article the emergency notice on every article page links to.
EMERGENCY_ARTICLE = "when-back-or-neck-pain-is-an-emergency"


@transaction.atomic
def load_starter_library_into_db(*, publish, reviewer=None, author=None):
    """Create the starter topics and any starter article not already present.

    An existing article (matched by slug) that nobody has touched since it was loaded
    gets the library's current text, so corrections reach it; one that a clinician
    has edited, reviewed or published is never overwritten. Returns how many topics
    and articles were created and updated.
    """
    topics, articles = load_starter_library()
    topic_by_slug, new_topics = load_topics(topics)
    counts = {"topics": new_topics, "articles": 0, "updated": 0}

    now = timezone.now()
    for position, data in enumerate(articles):
        article = Article.objects.filter(slug=data["slug"]).first()
        if article is None:
            article = Article(
                slug=data["slug"],
                status=Article.Status.PUBLISHED if publish else Article.Status.DRAFT,
                # Listed order is publication order: the first one is the oldest.
                publish_at=now - timedelta(days=len(articles) - position),
                author=author,
                reviewer=reviewer if publish else None,
                reviewed_on=timezone.localdate() if publish and reviewer else None,
            )
            counts["articles"] += 1
        elif untouched_since_loaded(article) and differs_from(article, data):
            counts["updated"] += 1
        else:
            continue
        # The article's history says where its text came from.
        article._change_reason = UPDATED if article.pk else LOADED
        fill_from_library(article, data)
        article.save()
        article.topics.set([topic_by_slug[slug] for slug in data["topics"]])
    link_emergency_notice()
    return counts


def load_topics(topics):
    """The starter topics, created where missing: ({slug: topic}, how many are new)."""
    topic_by_slug, created = {}, 0
    for data in topics:
        topic, was_created = Topic.objects.get_or_create(
            slug=data["slug"], defaults={"name": data["name"], "description": data["description"]}
        )
        topic_by_slug[topic.slug] = topic
        created += was_created
    return topic_by_slug, created


def fill_from_library(article, data):
    article.title = data["title"]
    article.summary = data["summary"]
    article.body = data["body"]
    place_article_diagrams(article)  # [diagram slug] -> the library image's [image N]
    article.featured = data.get("featured", False)
    article.sources = "\n".join(data.get("sources", []))


def untouched_since_loaded(article):
    """True if every change on record came from the starter library itself."""
    reasons = set(article.history.values_list("history_change_reason", flat=True))
    return reasons <= {LOADED, UPDATED}


def differs_from(article, data):
    return (article.title, article.summary, article.body, article.sources) != (
        data["title"],
        data["summary"],
        # Stored bodies are sanitised, with the diagrams' library markers.
        clean_article_html(place_diagrams(data["body"], create=False)),
        "\n".join(data.get("sources", [])),
    )


def link_emergency_notice():
    """Point the site's emergency notice at the starter article on emergencies, unless
    the clinic has already chosen an article."""
    article = Article.objects.filter(slug=EMERGENCY_ARTICLE).first()
    notice = EmergencyNotice.objects.first()
    if article and notice and notice.article_id is None:
        notice.article = article
        notice.save()


def seed_education(*, publish=True):
    """Demo clinicians plus the starter library, published with the demo reviewer."""
    new_clinicians = 0
    clinicians = []
    for data in DEMO_CLINICIANS:
        clinician, was_created = Clinician.objects.get_or_create(name=data["name"], defaults=data)
        clinicians.append(clinician)
        new_clinicians += was_created
    created = load_starter_library_into_db(
        publish=publish, reviewer=clinicians[0], author=clinicians[1]
    )
    return {"clinicians": new_clinicians, **created}
