"""The site's own pages in the sitemap: in English and Spanish, each naming the other."""

import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def test_static_pages_are_listed_in_both_languages_with_alternates(client, settings):
    settings.SITE_URL = "https://clinic.example.org"

    root = ET.fromstring(client.get("/sitemap-static.xml").content)  # noqa: S314 our own XML

    entries = {
        url.findtext("s:loc", namespaces=NS): {
            link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)
        }
        for url in root.findall("s:url", NS)
    }
    for path in ("/", "/articles/", "/locations/"):
        english, spanish = (
            f"https://clinic.example.org{path}",
            f"https://clinic.example.org/es{path}",
        )
        assert english in entries and spanish in entries
        for alternates in (entries[english], entries[spanish]):
            assert alternates == {"en": english, "es": spanish, "x-default": english}
