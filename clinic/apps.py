from django.apps import AppConfig


class ClinicConfig(AppConfig):
    """The project package as an app: site-wide pages, roles and management commands."""

    name = "clinic"
    verbose_name = "Clinic"
