from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self):
        from appointments.models import Closure, Location, OpeningHours
        from appointments.models.locations import next_opening_change
        from core import edge_cache

        # Locations are on the locations page and in every page's footer; "Open now"
        # there changes by itself when a location opens or closes.
        edge_cache.purge_when_changed(Location, OpeningHours, Closure)
        edge_cache.public_pages(public_paths)
        edge_cache.schedule_changes("appointments.opening-hours", next_opening_change)

        # A site with no visit types gets the usual three, after migrate and after a
        # flush (which ends with the same signal); a clinic's own list is left alone.
        from django.db.models.signals import post_migrate

        from appointments.models.bookings import ensure_visit_types

        post_migrate.connect(ensure_visit_types, sender=self)


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
