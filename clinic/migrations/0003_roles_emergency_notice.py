from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """Let Clinicians keep the emergency notice, which exists from education 0002 on."""

    dependencies = [
        ("clinic", "0002_roles_appointments"),
        ("education", "0002_emergency_notice_and_sources"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
