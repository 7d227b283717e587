from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Count

from appointments.models import AppointmentRequest, ContactAttempt
from core.models import AccessRecord

BATCH = 2000


def delete_batch(pks):
    """Delete these requests with their contact attempts and both history tables, in
    four statements. (Deleting through the ORM loads every row and, for its history,
    deletes each request's snapshots with a query of its own.)"""
    tables = (
        # (table, column naming the request)
        (ContactAttempt.history.model._meta.db_table, "appointment_request_id"),
        (ContactAttempt._meta.db_table, "appointment_request_id"),
        (AppointmentRequest.history.model._meta.db_table, "id"),
        (AppointmentRequest._meta.db_table, "id"),
    )
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table, column in tables:
            cursor.execute(
                f"DELETE FROM {quote(table)} WHERE {quote(column)} = ANY(%s)",  # noqa: S608
                [list(pks)],
            )


class Command(BaseCommand):
    help = (
        "Delete appointment requests that are finished (closed, declined, spam, or a "
        "scheduled visit whose day is past) and that nobody has touched for "
        "REQUEST_RETENTION_DAYS days, with their contact attempts and history, in "
        f"batches of {BATCH}. Also prunes the access record past "
        "ACCESS_RECORD_RETENTION_DAYS (six years). Without --delete, only says what it "
        "would delete."
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
        statuses = (*AppointmentRequest.FINISHED_STATUSES, AppointmentRequest.Status.SCHEDULED)
        counted = dict(
            expired.order_by()
            .values_list("status")
            .annotate(number=Count("pk"))
            .values_list("status", "number")
        )
        by_status = {status: counted.get(status, 0) for status in statuses}
        count = sum(by_status.values())
        words = ", ".join(
            f"{'past visits' if status == 'scheduled' else status.label.lower()}: {number}"
            for status, number in by_status.items()
        )
        if not options["delete"]:
            self.stdout.write(
                f"Dry run: would delete {count} request(s) untouched for {options['days']} days "
                f"({words}), with their contact attempts and history. "
                "Run again with --delete to delete them."
            )
            return
        deleted, last = 0, 0
        # By primary key, a batch at a time: each batch is one short transaction, and
        # memory holds one batch of numbers, whatever the backlog.
        while pks := list(
            expired.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        ):
            delete_batch(pks)
            deleted += len(pks)
            last = pks[-1]
        self.stdout.write(
            f"Deleted {deleted} request(s) ({words}), with their contact attempts and history."
        )
