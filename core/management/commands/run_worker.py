from django.core.management import call_command
from django.core.management.base import BaseCommand

from core.outbox import requeue_stuck


class Command(BaseCommand):
    help = (
        "The background worker: queues again any email a killed worker left behind, "
        "then runs django-tasks-db's db_worker until stopped (SIGTERM finishes the task "
        "in hand first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run what waits, then exit.")
        parser.add_argument("--interval", type=float, default=1, help="Seconds between polls.")
        parser.add_argument("--worker-id", default=None, help="A name for the logs.")

    def handle(self, *args, **options):
        requeue_stuck()
        worker_args = ["--interval", str(options["interval"])]
        if options["batch"]:
            worker_args.append("--batch")
        if options["worker_id"]:
            worker_args += ["--worker-id", options["worker_id"]]
        call_command("db_worker", *worker_args)
