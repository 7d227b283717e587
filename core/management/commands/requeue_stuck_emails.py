from django.core.management.base import BaseCommand

from core.outbox import requeue_stuck


class Command(BaseCommand):
    help = (
        "Queue again every email still waiting past its time (for cron, every few "
        "minutes). Safe beside running workers: an email is never sent twice."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{requeue_stuck()} stuck email(s) queued again.")
