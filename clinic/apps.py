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

        from core import edge_cache

        # The home pages and the sitemaps are kept by the edge (core/edge_cache.py).
        edge_cache.public_pages(public_paths)


def public_paths():
    """The home page in each language and the sitemaps, which the edge keeps."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from clinic.sitemaps import sitemaps

    paths = [reverse("sitemap_index")]
    paths += [
        reverse("django.contrib.sitemaps.views.sitemap", kwargs={"section": section})
        for section in sitemaps
    ]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            paths.append(reverse("home"))
    return paths


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the staff site (clinic/admin_site.py) as admin.site.
    (Its module is imported, not the class, so this module offers Django one default.)"""

    default = False  # named in INSTALLED_APPS by its path; "clinic" is ClinicConfig
    default_site = "clinic.admin_site.StaffAdminSite"
