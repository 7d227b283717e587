"""The access record is searched by reference (`references LIKE '% AR-XXXXX %'`, each
request's page and the manager's filter) over six years of rows: on PostgreSQL a
trigram GIN index answers that without reading the table. Other databases (SQLite in
development) get nothing. Not in AccessRecord.Meta, so the model state is the same on
every database (as education's 0004_search_indexes).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX_NAME = "core_accessrecord_refs_trgm"


def references_index():
    from django.contrib.postgres.indexes import GinIndex

    return GinIndex(fields=["references"], name=INDEX_NAME, opclasses=["gin_trgm_ops"])


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("core", "AccessRecord"), references_index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("core", "AccessRecord"), references_index())


class Migration(migrations.Migration):
    dependencies = [("core", "0003_accessrecord")]

    operations = [
        TrigramExtension(),  # does nothing on other databases
        migrations.RunPython(add_index, remove_index, elidable=False),
    ]
