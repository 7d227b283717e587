from django.db import migrations


def create_notice(apps, schema_editor):
    """Every site starts with the notice, in the built-in wording; the clinic edits it."""
    EmergencyNotice = apps.get_model("education", "EmergencyNotice")
    Article = apps.get_model("education", "Article")
    if not EmergencyNotice.objects.exists():
        article = Article.objects.filter(slug="when-back-or-neck-pain-is-an-emergency").first()
        EmergencyNotice.objects.create(article=article)


class Migration(migrations.Migration):
    dependencies = [("education", "0002_emergency_notice_and_sources")]

    operations = [migrations.RunPython(create_notice, migrations.RunPython.noop)]
