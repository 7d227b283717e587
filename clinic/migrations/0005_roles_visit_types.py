from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """Let the Front desk read the visit types (appointments 0006)."""

    dependencies = [
        ("clinic", "0004_roles_outbox"),
        ("appointments", "0006_bookings_and_call_backs"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
