from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """Let Clinicians manage the image library (education 0005); the Front desk cannot."""

    dependencies = [
        ("clinic", "0005_roles_visit_types"),
        ("education", "0005_image_library"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
