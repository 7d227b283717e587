"""Search (issue 14): pg_trgm for the typo correction, and a GIN index on the weighted
document articles were searched in (replaced by a stored document in migration 0011).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX_NAME = "education_article_search"


def search_index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    vector = (
        SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
    )
    return GinIndex(vector, name=INDEX_NAME)


def add_search_index(apps, schema_editor):
    schema_editor.add_index(apps.get_model("education", "Article"), search_index())


def remove_search_index(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("education", "Article"), search_index())


class Migration(migrations.Migration):
    dependencies = [("education", "0003_the_emergency_notice")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(add_search_index, remove_search_index, elidable=False),
    ]
