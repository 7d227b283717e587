from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """Create the Front desk and Clinicians groups with their permissions.

    When an app adds models that a role needs, add a migration here that depends on
    it and calls sync_roles again, so the groups keep in step.
    """

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("education", "0001_initial"),
        ("appointments", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
