from django.core.management.base import BaseCommand

from education.search import refresh_words


class Command(BaseCommand):
    help = (
        "Rebuild the search's word list from the published articles now (the worker does "
        "it whenever an article changes; run this once after migrating an existing site)."
    )

    def handle(self, *args, **options):
        refresh_words()
        self.stdout.write("Search word list rebuilt.")
