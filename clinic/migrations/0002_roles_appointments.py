from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """Give the Front desk its permissions on appointment requests and contact attempts,
    which exist only from appointments 0002 on."""

    dependencies = [
        ("clinic", "0001_roles"),
        ("appointments", "0002_requests"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
