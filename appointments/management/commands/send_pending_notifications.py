from django.core.management.base import BaseCommand

from appointments.models import AppointmentRequest
from appointments.notifications import send_notifications


class Command(BaseCommand):
    help = (
        "Send the emails of appointment requests whose notifications failed or never ran. "
        "Run it from cron every few minutes; it is safe to run at any time."
    )

    def handle(self, *args, **options):
        pending = AppointmentRequest.objects.needs_notification().values_list("pk", flat=True)
        sent = failed = 0
        for pk in list(pending):
            if send_notifications(pk):
                sent += 1
            else:
                failed += 1
        self.stdout.write(f"Notifications sent for {sent} request(s).")
        if failed:
            self.stderr.write(f"Still failing for {failed} request(s); see the admin for errors.")
