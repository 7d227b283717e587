from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """The Medical reviewers group: may approve article revisions (education 0006)."""

    dependencies = [
        ("clinic", "0006_roles_images"),
        ("education", "0006_revisions"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
