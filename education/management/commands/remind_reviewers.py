from django.core.management.base import BaseCommand

from education.reminders import queue_review_reminders


class Command(BaseCommand):
    help = (
        "Email each medical reviewer the articles whose yearly review is due. For cron, "
        "weekly; the background worker sends the emails."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Review reminders: {queue_review_reminders()} queued.")
