from django.core.management.base import BaseCommand

from appointments.notifications import queue_overdue_alert


class Command(BaseCommand):
    help = (
        "Email the front desk the references of requests still new after "
        "REQUEST_RESPONSE_HOURS (each request once). For cron, hourly; the worker sends it."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Overdue alert: {queue_overdue_alert()} request(s) named.")
