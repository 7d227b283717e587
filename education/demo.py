"""Loading the starter library: published with fictional reviewers for a demo,
or as drafts for a real clinic's clinicians to review (see load_starter_articles)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from education.models import Article, Clinician, Topic
from education.starter import load_starter_library

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


@transaction.atomic
def load_starter_library_into_db(*, publish, reviewer=None, author=None):
    """Create the starter topics and any starter article not already present.

    Existing articles (matched by slug) are left untouched, so clinicians' edits
    are never overwritten. Returns how many topics and articles were created.
    """
    topics, articles = load_starter_library()
    created = {"topics": 0, "articles": 0}
    topic_by_slug = {}
    for data in topics:
        topic, was_created = Topic.objects.get_or_create(
            slug=data["slug"], defaults={"name": data["name"], "description": data["description"]}
        )
        topic_by_slug[topic.slug] = topic
        created["topics"] += was_created

    now = timezone.now()
    count = len(articles)
    for position, data in enumerate(articles):
        if Article.objects.filter(slug=data["slug"]).exists():
            continue
        article = Article(
            slug=data["slug"],
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            featured=data.get("featured", False),
            status=Article.Status.PUBLISHED if publish else Article.Status.DRAFT,
            # Listed order is publication order: the first one is the oldest.
            publish_at=now - timedelta(days=count - position),
            author=author,
            reviewer=reviewer if publish else None,
            reviewed_on=timezone.localdate() if publish and reviewer else None,
        )
        # The first line of the article's history says where it came from.
        article._change_reason = "Loaded from the starter library"
        article.save()
        article.topics.set([topic_by_slug[slug] for slug in data["topics"]])
        created["articles"] += 1
    return created


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
