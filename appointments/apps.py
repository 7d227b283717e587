from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = "Appointments"

    def ready(self):
        from appointments.models import Location
        from core import page_cache

        # Locations are on the locations page and in every page's footer.
        page_cache.refresh_pages_when_changed(Location)
