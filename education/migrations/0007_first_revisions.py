import datetime

from django.db import migrations
from django.utils import timezone

CONTENT_FIELDS = ("title", "slug", "summary", "body", "lead_image", "author", "sources", "featured")


def give_each_article_its_first_revision(apps, schema_editor):
    """Revision 1 of every existing article: its current text, with the review it
    carries (the approving account is unknown, so none is named)."""
    Article = apps.get_model("education", "Article")
    Revision = apps.get_model("education", "Revision")
    for article in Article.objects.filter(latest_revision=None):
        content = {
            field: getattr(article, Article._meta.get_field(field).attname)
            for field in CONTENT_FIELDS
        }
        content["topics"] = sorted(article.topics.values_list("pk", flat=True))
        published = article.status == "published"
        approved_at = None
        if published and article.reviewed_on:
            midnight = datetime.datetime.combine(article.reviewed_on, datetime.time())
            approved_at = timezone.make_aware(midnight)
        revision = Revision.objects.create(
            article=article,
            number=1,
            content=content,
            state="published" if published else "draft",
            note="What the article held when revisions began",
            reviewer_id=article.reviewer_id if published else None,
            approved_at=approved_at,
        )
        Article.objects.filter(pk=article.pk).update(
            latest_revision=revision, live_revision=revision if published else None
        )


class Migration(migrations.Migration):
    dependencies = [("education", "0006_revisions")]

    operations = [
        migrations.RunPython(give_each_article_its_first_revision, migrations.RunPython.noop)
    ]
