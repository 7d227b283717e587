"""Small factories for education tests: topics, clinicians and articles."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.roles import CLINICIANS, MEDICAL_REVIEWERS
from education.models import Article, Clinician, Topic


def make_topic(name="Facet joints", **fields):
    slug = fields.pop("slug", name.lower().replace(" ", "-"))
    return Topic.objects.create(name=name, slug=slug, **fields)


def make_clinician(name="Dr. Ana Ruiz", credentials="MD", **fields):
    return Clinician.objects.create(name=name, credentials=credentials, **fields)


def make_article(title="Facet joints explained", *, topics=(), published=True, **fields):
    """An article; published (with a review) unless published=False."""
    fields.setdefault("slug", title.lower().replace(" ", "-").replace("'", ""))
    fields.setdefault("summary", f"A short summary of {title.lower()}.")
    fields.setdefault("body", "<p>Facet joints are small joints in your spine.</p>")
    if published:
        fields.setdefault("status", Article.Status.PUBLISHED)
        fields.setdefault("publish_at", timezone.now() - timedelta(days=1))
        if "reviewer" not in fields:
            fields["reviewer"] = Clinician.objects.first() or make_clinician()
        fields.setdefault("reviewed_on", timezone.localdate())
    article = Article.objects.create(title=title, **fields)
    article.topics.set(topics)
    return article


@pytest.fixture
def topic():
    return make_topic()


@pytest.fixture
def reviewer():
    return make_clinician()


@pytest.fixture
def article(topic, reviewer):
    return make_article(topics=[topic], reviewer=reviewer)


@pytest.fixture
def draft(topic):
    return make_article("Draft about injections", topics=[topic], published=False)


@pytest.fixture
def scheduled(topic, reviewer):
    return make_article(
        "Coming soon",
        topics=[topic],
        reviewer=reviewer,
        publish_at=timezone.now() + timedelta(days=2),
    )


def make_reviewer(django_user_model, username="reviewer", name="Dr. Rae Reviewer"):
    """A medical reviewer: a clinician's account with the reviewer permission, linked
    to the clinician profile their sign-off shows."""
    from tests.conftest import make_staff

    user = make_staff(django_user_model, username, CLINICIANS)
    user.groups.add(Group.objects.get(name=MEDICAL_REVIEWERS))
    make_clinician(name=name, credentials="MD", user=user)
    return user


@pytest.fixture
def reviewer_user(django_user_model):
    return make_reviewer(django_user_model)


@pytest.fixture
def second_reviewer_user(django_user_model):
    return make_reviewer(django_user_model, "reviewer2", "Dr. Sam Second")
