from django.apps import AppConfig


class ClinicConfig(AppConfig):
    """The project package as an app: site-wide pages, roles and management commands."""

    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        from core import edge_cache

        edge_cache.public_pages(public_paths)


def public_paths():
    """The home page in each language and the sitemap, which the edge keeps."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    paths = [reverse("django.contrib.sitemaps.views.sitemap")]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            paths.append(reverse("home"))
    return paths
