"""Spanish search (issue 15): the "clinic_spanish" text-search configuration and a GIN
index of the Spanish articles' weighted document (replaced by a stored document in
migration 0011).

clinic_spanish is PostgreSQL's "spanish" with the accents taken off each word
first (the unaccent dictionary), so "ciatica" and "ciática", "articulacion" and
"articulación" stem alike whichever way a patient types them; the stemmer itself
only copes with accents where the word ends. unaccent() as a function is not
immutable and cannot be indexed; as a dictionary in a configuration it can.

The index covers Spanish articles only (the English one of migration 0004 covers
every row) and, like that one, is not in Article.Meta.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

CONFIG = "clinic_spanish"
INDEX_NAME = "education_article_search_es"

CREATE_CONFIG = f"""
    CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.spanish);
    ALTER TEXT SEARCH CONFIGURATION {CONFIG}
        ALTER MAPPING FOR word, hword, hword_part WITH unaccent, spanish_stem;
"""
DROP_CONFIG = f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}"


def search_index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector
    from django.db.models import Q

    vector = (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector("summary", weight="B", config=CONFIG)
        + SearchVector("body", weight="C", config=CONFIG)
    )
    return GinIndex(vector, name=INDEX_NAME, condition=Q(language="es"))


def add_spanish_search(apps, schema_editor):
    schema_editor.execute(CREATE_CONFIG)
    schema_editor.add_index(apps.get_model("education", "Article"), search_index())


def remove_spanish_search(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("education", "Article"), search_index())
    schema_editor.execute(DROP_CONFIG)


class Migration(migrations.Migration):
    dependencies = [("education", "0008_articles_in_spanish")]

    operations = [
        UnaccentExtension(),
        migrations.RunPython(add_spanish_search, remove_spanish_search, elidable=False),
    ]
