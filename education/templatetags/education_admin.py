from django import template
from django.urls import reverse

from education.models import Article, Revision

register = template.Library()


@register.simple_tag(takes_context=True)
def clinician_summary(context):
    """{% clinician_summary as summary %}: what the admin's home shows a clinician
    first: revisions waiting for their sign-off, their own changes in review or sent
    back, and the articles whose review is due. None for staff without articles."""
    user = context["request"].user
    if not user.has_perm("education.view_article"):
        return None
    articles_url = reverse("admin:education_article_changelist")
    summary = {
        "review_due": Article.objects.published().review_due().count(),
        "review_due_url": f"{articles_url}?review_due=yes",
        "mine_sent_back": Article.objects.filter(
            latest_revision__state=Revision.State.CHANGES_REQUESTED,
            latest_revision__created_by=user,
        ).count(),
        "sent_back_url": f"{articles_url}?changes=draft",
        "approved": Article.objects.filter(latest_revision__state=Revision.State.APPROVED).count(),
        "approved_url": f"{articles_url}?changes=approved",
        "waiting_for_me": None,
    }
    if user.has_perm("education.review_article"):
        waiting = Article.objects.waiting_for_review_by(user).order_by(
            "latest_revision__submitted_at"
        )
        summary["waiting_for_me"] = [
            (article, reverse("admin:education_article_change", args=[article.pk]))
            for article in waiting.select_related("latest_revision__created_by")[:10]
        ]
        summary["waiting_for_me_count"] = waiting.count()
        summary["waiting_for_me_url"] = f"{articles_url}?changes=mine"
    return summary
