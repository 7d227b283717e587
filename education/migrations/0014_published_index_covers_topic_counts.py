"""The published-articles index (status, publish_at) also holds each article's id and
when it changed: counting a topic's published articles (the chips on every list page,
the topic pages) then reads this index alone instead of every article's row, which
holds its stored search document (issue 24: at 3,000 articles, 1.7 ms instead of 2.9
of PostgreSQL's time, for every list page and search the cache does not spare)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("education", "0013_sources_checkable"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="article",
            name="education_a_status_b42bba_idx",
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["status", "publish_at"],
                include=("id", "updated"),
                name="education_article_published",
            ),
        ),
    ]
