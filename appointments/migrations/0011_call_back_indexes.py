"""The front desk's call-back tiles and filters on an index of their own (issue 26):
partial indexes holding only the requests still to be reached (new, contacted), a
few pages however many requests there are. Without them the admin home's counts
read every open request's row three times and PostgreSQL planned them in parallel,
whose start-up cost most of the page's database time. Built without CONCURRENTLY
(writes wait meanwhile: 0.47 s at 300,000 requests; README, "Upgrades on real data")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("appointments", "0010_closures")]

    operations = [
        migrations.AddIndex(
            model_name="appointmentrequest",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "contacted"])),
                fields=["call_back_by"],
                name="appointment_call_back_by",
            ),
        ),
        migrations.AddIndex(
            model_name="appointmentrequest",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "contacted"])),
                fields=["unanswered_attempts"],
                name="appointment_unreached",
            ),
        ),
    ]
