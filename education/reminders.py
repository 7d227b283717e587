"""The weekly reminder to each medical reviewer of the articles whose review is due."""

from itertools import groupby

from django.template.loader import render_to_string
from django.urls import reverse

from core.outbox import send_later
from core.site import absolute_url
from education.models import Article


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
