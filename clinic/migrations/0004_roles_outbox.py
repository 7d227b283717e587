from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """Let the Front desk read the outbox and send a failed email again (core 0001)."""

    dependencies = [
        ("clinic", "0003_roles_emergency_notice"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
