from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from appointments.models import AppointmentRequest
from core.models import AccessRecord


class Command(BaseCommand):
    help = (
        "Delete closed, declined and spam appointment requests that nobody has touched for "
        "REQUEST_RETENTION_DAYS days, with their contact attempts and history. "
        "Also prunes the access record past ACCESS_RECORD_RETENTION_DAYS (six years). "
        "Without --delete, only says what it would delete."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete", action="store_true", help="Really delete (the default is a dry run)."
        )
        parser.add_argument(
            "--days",
            type=int,
            default=settings.REQUEST_RETENTION_DAYS,
            help="Keep requests touched within this many days "
            "(default: REQUEST_RETENTION_DAYS, %(default)s).",
        )

    def handle(self, *args, **options):
        self.requests(options)
        self.access_record(options["delete"])

    def access_record(self, delete):
        """Who looked at which request is kept six years (HIPAA's documentation
        retention), even after the request itself is gone, then pruned."""
        days = settings.ACCESS_RECORD_RETENTION_DAYS
        old = AccessRecord.objects.past_retention(days)
        if not delete:
            self.stdout.write(
                f"Dry run: would prune {old.count()} access record row(s) over {days} days old."
            )
            return
        pruned, _ = old.delete()
        self.stdout.write(f"Pruned {pruned} access record row(s) over {days} days old.")

    def requests(self, options):
        expired = AppointmentRequest.objects.past_retention(options["days"])
        count = expired.count()
        by_status = ", ".join(
            f"{status.label.lower()}: {expired.filter(status=status).count()}"
            for status in AppointmentRequest.FINISHED_STATUSES
        )
        if not options["delete"]:
            self.stdout.write(
                f"Dry run: would delete {count} request(s) untouched for {options['days']} days "
                f"({by_status}), with their contact attempts and history. "
                "Run again with --delete to delete them."
            )
            return
        with transaction.atomic():
            # Deleting each request also deletes its snapshots (cascade_delete_history).
            expired.delete()
        self.stdout.write(
            f"Deleted {count} request(s) ({by_status}), with their contact attempts and history."
        )
