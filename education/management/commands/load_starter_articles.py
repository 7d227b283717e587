from django.core.management.base import BaseCommand

from education.demo import load_starter_library_into_db


class Command(BaseCommand):
    help = (
        "Load the starter library (topics and patient-education articles) as drafts, for "
        "the clinic's own clinicians to review and publish. Safe to run again: articles "
        "that already exist (same slug) are left exactly as they are."
    )

    def handle(self, *args, **options):
        created = load_starter_library_into_db(publish=False)
        self.stdout.write(
            f"Starter library: {created['topics']} new topics, "
            f"{created['articles']} new draft articles. Drafts need a medical reviewer "
            "and review date before they can be published."
        )
