"""The front desk at a clinic group's size (issue 26): indexes that match the list's
order, its filters and its search.

- phone_digits: the stored number's digits, kept by the database, so any part of a
  number typed any way ("614-555", "555-0142") is a substring search.
- (status, appointment_at): booked days, open visits, the purge of past visits.
- appointment_new_first: the list's order (new first, then by received).
- On PostgreSQL only, trigram (pg_trgm) GIN indexes for icontains on names, email
  and phone digits: UPPER(...) as Django's icontains compares. Not in the model's
  Meta, so its state is the same on every database (as education's 0004).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models
from django.db.models.functions import Replace

# (index, what it holds): UPPER(...) exactly as Django's icontains compares.
TRIGRAM_INDEXES = (
    ("appointment_first_name_trgm", 'UPPER("first_name")'),
    ("appointment_last_name_trgm", 'UPPER("last_name")'),
    ("appointment_email_trgm", 'UPPER("email")'),
    ("appointment_phone_digits_trgm", '"phone_digits"'),
)
TABLE = "appointments_appointmentrequest"


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, expression in TRIGRAM_INDEXES:
            schema_editor.execute(
                f"CREATE INDEX {name} ON {TABLE} USING gin (({expression}) gin_trgm_ops)"
            )


def remove_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("appointments", "0008_location_history")]

    operations = [
        # Also made by education's 0004; the operation does nothing if it exists.
        TrigramExtension(),
        migrations.AddField(
            model_name="appointmentrequest",
            name="phone_digits",
            field=models.GeneratedField(
                db_persist=True,
                expression=Replace(models.F("phone"), models.Value("+"), models.Value("")),
                output_field=models.CharField(max_length=20),
            ),
        ),
        migrations.AddIndex(
            model_name="appointmentrequest",
            index=models.Index(
                fields=["status", "appointment_at"], name="appointment_status_booked"
            ),
        ),
        migrations.AddIndex(
            model_name="appointmentrequest",
            index=models.Index(
                models.Case(
                    models.When(status="new", then=models.Value(0)), default=models.Value(1)
                ),
                models.F("created"),
                models.OrderBy(models.F("id"), descending=True),
                name="appointment_new_first",
            ),
        ),
        migrations.RunPython(add_trigram_indexes, remove_trigram_indexes, elidable=False),
    ]
