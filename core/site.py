"""Absolute addresses of this site, always from SITE_URL, never from the request: a
forged Host header must not end up in a canonical link, a feed, a sitemap or an email."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap


def absolute_url(path):
    """``path`` (starting with "/") on this site, e.g. https://clinic.example.org/articles/."""
    return settings.SITE_URL + path


class SiteSitemap(Sitemap):
    """A sitemap whose addresses start with SITE_URL, whatever host was asked."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc
