"""Emails about medical review, through the outbox (the worker sends them): the
weekly reminder of reviews falling due, the call to reviewers when a revision waits
for them, and the answer to its writer. Titles and admin links only."""

from itertools import groupby

from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse

from core.outbox import send_later
from core.site import absolute_url
from education.models import Article
from education.revisions import REVIEW_PERMISSION

# Where group and user permissions live (axes' backend, also configured, has none).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def admin_url(article):
    return absolute_url(reverse("admin:education_article_change", args=[article.pk]))


def queue_review_reminders():
    """One email per reviewer with a staff account and an address, listing their
    published articles last reviewed over a year ago. Returns how many were queued."""
    due = (
        Article.objects.published()
        .review_due()
        .filter(reviewer__user__is_active=True)
        .exclude(reviewer__user__email="")
        .select_related("reviewer__user")
        .order_by("reviewer", "reviewed_on")
    )
    queued = 0
    for reviewer, articles in groupby(due, key=lambda article: article.reviewer):
        articles = list(articles)
        send_later(
            kind="review reminder",
            to=[reviewer.user.email],
            subject=f"{len(articles)} article(s) due for medical review",
            body=render_to_string(
                "education/email/review_reminder.txt",
                {
                    "reviewer": reviewer,
                    "articles": [
                        (
                            article,
                            absolute_url(
                                reverse("admin:education_article_change", args=[article.pk])
                            ),
                        )
                        for article in articles
                    ],
                },
            ),
        )
        queued += 1
    return queued


def reviewers_for(revision):
    """The medical reviewers who may approve the revision: active accounts with a
    clinician profile who wrote none of it (the four-eyes rule)."""
    return (
        get_user_model()
        .objects.with_perm(REVIEW_PERMISSION, include_superusers=False, backend=MODEL_BACKEND)
        .filter(is_active=True, clinician__isnull=False)
        .exclude(pk__in=revision.writers())
        .order_by("first_name", "last_name", "username")
    )


def tell_reviewers_it_waits(revision):
    """When a revision is sent for review: an email to each medical reviewer who may
    approve it (an active account with an address and a clinician profile, who wrote
    none of it). Returns how many were queued."""
    reviewers = reviewers_for(revision).exclude(email="")
    article, title = revision.article, revision.content["title"]
    body = render_to_string(
        "education/email/waiting_for_review.txt",
        {"title": title, "revision": revision, "url": admin_url(article)},
    )
    for reviewer in reviewers:
        send_later(
            kind="waiting for review",
            to=[reviewer.email],
            subject=f"Waiting for your review: {title}",
            body=body,
        )
    return len(reviewers)


def tell_writer_the_outcome(revision):
    """When a reviewer approves a revision or asks for changes: an email to the
    person who wrote it, if they have an address."""
    writer = revision.created_by
    if writer is None or not writer.email or not writer.is_active:
        return 0
    article, title = revision.article, revision.content["title"]
    approved = revision.state == revision.State.APPROVED
    send_later(
        kind="review outcome",
        to=[writer.email],
        subject=f"{'Approved' if approved else 'Changes asked for'}: {title}",
        body=render_to_string(
            "education/email/review_outcome.txt",
            {
                "title": title,
                "revision": revision,
                "approved": approved,
                "url": admin_url(article),
            },
        ),
    )
    return 1
