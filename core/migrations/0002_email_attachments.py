from django.db import migrations, models


class Migration(migrations.Migration):
    """Emails may carry text attachments (an appointment's .ics calendar entry)."""

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="email",
            name="attachments",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='Files sent with it: [{"filename", "content" (text), "mimetype"}].',
            ),
        ),
    ]
