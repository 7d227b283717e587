from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClinicConfig(AppConfig):
    """The project package as an app: site-wide pages, roles and management commands."""

    name = "clinic"
    verbose_name = "Clinic"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by the staff site that asks for the second factor."""

    default = False  # named in INSTALLED_APPS by its path; "clinic" is ClinicConfig
    default_site = "clinic.admin_site.StaffAdminSite"
