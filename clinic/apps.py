from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class ClinicConfig(AppConfig):
    """The project package as an app: site-wide pages, roles and management commands."""

    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        from clinic.roles import sync_roles_after_migrate

        # After every migrate (and every flush, which ends with the same signal) the
        # role groups are exactly as clinic/roles.py lists them.
        post_migrate.connect(sync_roles_after_migrate, sender=self)


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the staff site (clinic/admin_site.py) as admin.site.
    (Its module is imported, not the class, so this module offers Django one default.)"""

    default = False  # named in INSTALLED_APPS by its path; "clinic" is ClinicConfig
    default_site = "clinic.admin_site.StaffAdminSite"
