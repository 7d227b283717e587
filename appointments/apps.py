from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self):
        from appointments.models import Location, OpeningHours
        from appointments.models.locations import next_opening_change
        from core import edge_cache

        # Locations are on the locations page and in every page's footer; "Open now"
        # there changes by itself when a location opens or closes.
        edge_cache.purge_when_changed(Location, OpeningHours)
        edge_cache.public_pages(public_paths)
        edge_cache.schedule_changes("appointments.opening-hours", next_opening_change)


def public_paths():
    """The locations page in each language (the form is never kept)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    paths = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            paths.append(reverse("appointments:locations"))
    return paths
