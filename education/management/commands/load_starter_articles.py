from django.core.management.base import BaseCommand

from education.demo import load_starter_library_into_db


class Command(BaseCommand):
    help = (
        "Load the starter library (topics and patient-education articles) as drafts, for "
        "the clinic's own clinicians to review and publish. Safe to run again: an article "
        "that already exists (same slug) is left as it is once anyone has edited, reviewed "
        "or published it; one nobody has touched gets the library's corrected text."
    )

    def handle(self, *args, **options):
        created = load_starter_library_into_db(publish=False)
        self.stdout.write(
            f"Starter library: {created['topics']} new topics, "
            f"{created['articles']} new draft articles, {created['updated']} untouched "
            "articles brought up to date. Drafts need a medical reviewer and review date "
            "before they can be published."
        )
