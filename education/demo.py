"""Loading the starter library: published with fictional reviewers for a demo,
or as drafts for a real clinic's clinicians to review (see load_starter_articles)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from education.models import Article, Clinician, EmergencyNotice, Revision, Topic
from education.models.notice import EMERGENCY_ARTICLE_SLUG
from education.revisions import FIRST_REVISION_NOTE, snapshot
from education.sanitize import clean_article_html
from education.search import one_refresh_for_the_whole_load
from education.starter import TRANSLATIONS, load_starter_library
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
    # A second medical reviewer, so a revision Dr. Avery worked on can still be
    # approved by someone else (the four-eyes rule).
    {
        "name": "Dr. Riley Demo",
        "credentials": "MD",
        "title": "Physical medicine and rehabilitation physician (demo profile)",
        "bio": "A fictional physician used for demonstration content.",
    },
]


LOADED = "Loaded from the starter library"
UPDATED = "Updated from the starter library"
# The article the emergency notice on every article page links to.
EMERGENCY_ARTICLE = EMERGENCY_ARTICLE_SLUG


@transaction.atomic
def load_starter_library_into_db(*, publish, reviewer=None, author=None):
    """Create the starter topics and any starter article not already present: the
    English library, then each translation (education/starter/es/), linked to its
    English original. Each article, whatever its language, has its own revisions and
    its own sign-off.

    An existing article (matched by slug) that nobody has touched since it was loaded
    gets the library's current text, so corrections reach it; one that a clinician
    has edited, reviewed or published is never overwritten. Returns how many topics
    and articles were created and updated, all languages together.
    """
    counts = {"topics": 0, "articles": 0, "updated": 0}
    with one_refresh_for_the_whole_load():
        for language in ("en", *TRANSLATIONS):
            loaded = load_language(language, publish=publish, reviewer=reviewer, author=author)
            for name, number in loaded.items():
                counts[name] += number
    link_emergency_notice()
    return counts


def load_language(language, *, publish, reviewer, author):
    """load_starter_library_into_db() for the starter library in ``language``."""
    topics, articles = load_starter_library(language)
    topic_by_slug, new_topics = load_topics(topics, language)
    counts = {"topics": new_topics, "articles": 0, "updated": 0}
    originals = dict(
        Article.objects.filter(
            slug__in=[data["translation_of"] for data in articles if "translation_of" in data],
            language=settings.LANGUAGE_CODE,
        ).values_list("slug", "pk")
    )

    now = timezone.now()
    for position, data in enumerate(articles):
        article = Article.objects.filter(slug=data["slug"]).first()
        if article is None:
            article = Article(
                slug=data["slug"],
                language=language,
                translation_of_id=originals.get(data.get("translation_of")),
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
        note = UPDATED if article.pk else LOADED
        article._change_reason = note
        fill_from_library(article, data)
        article.save()
        article.topics.set([topic_by_slug[slug] for slug in data["topics"]])
        record_revision(article, note, reviewer if publish else None)
    return counts


def load_topics(topics, language="en"):
    """The starter topics, created where missing: ({slug: topic}, how many are new).
    A translated topic is linked to its English original."""
    originals = dict(
        Topic.objects.filter(language=settings.LANGUAGE_CODE).values_list("slug", "pk")
    )
    topic_by_slug, created = {}, 0
    for data in topics:
        topic, was_created = Topic.objects.get_or_create(
            slug=data["slug"],
            defaults={
                "name": data["name"],
                "description": data["description"],
                "language": language,
                "translation_of_id": originals.get(data.get("translation_of")),
            },
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


def record_revision(article, note, reviewer):
    """The loaded text as the article's newest revision: published with the
    reviewer's sign-off for a demo, a draft awaiting the clinic's review otherwise."""
    revision = article.revisions.create(
        number=article.next_revision_number(),
        content=snapshot(article),
        note=note,
        state=Revision.State.PUBLISHED if reviewer else Revision.State.DRAFT,
        reviewer=reviewer,
        approved_by=reviewer.user if reviewer else None,
        approved_at=timezone.now() if reviewer else None,
        published_at=timezone.now() if reviewer else None,
    )
    live = revision if reviewer else article.live_revision
    Article.objects.filter(pk=article.pk).update(latest_revision=revision, live_revision=live)
    article.latest_revision, article.live_revision = revision, live


def untouched_since_loaded(article):
    """True if every change on record came from the starter library itself: nobody
    wrote, sent for review, approved (for the clinic) or published a revision."""
    reasons = set(article.history.values_list("history_change_reason", flat=True))
    if not reasons <= {LOADED, UPDATED}:
        return False
    by_the_loader = Q(
        note__in=[LOADED, UPDATED, FIRST_REVISION_NOTE],
        created_by=None,
        submitted_at=None,
        published_by=None,
        state__in=[Revision.State.DRAFT, Revision.State.PUBLISHED],
    )
    by_people = article.revisions.exclude(by_the_loader)
    return not by_people.exists()


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


def seed_education(*, publish=True, accounts=None):
    """Demo clinicians plus the starter library, published with the demo reviewer's
    sign-off. ``accounts`` ({"reviewer": user, "clinician": user, "reviewer2": user})
    links the demo staff accounts to the profiles, so the reviewer signs off as Dr.
    Avery Demo."""
    accounts = accounts or {}
    new_clinicians = 0
    clinicians = []
    for data, account in zip(DEMO_CLINICIANS, ("reviewer", "clinician", "reviewer2"), strict=True):
        clinician, was_created = Clinician.objects.get_or_create(name=data["name"], defaults=data)
        if accounts.get(account) and clinician.user_id != accounts[account].pk:
            clinician.user = accounts[account]
            clinician.save()
        clinicians.append(clinician)
        new_clinicians += was_created
    created = load_starter_library_into_db(
        publish=publish, reviewer=clinicians[0], author=clinicians[1]
    )
    return {"clinicians": new_clinicians, **created}
