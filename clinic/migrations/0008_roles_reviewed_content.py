from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """What patients read beside the articles (topics, clinician profiles, the
    emergency notice, the images' words) is changed by medical reviewers only."""

    dependencies = [("clinic", "0007_roles_medical_reviewers")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
