from functools import lru_cache

from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation

from core.phone import tel_href


def clinic_details():
    """Name and phone of the clinic, for templates rendered with or without a request.
    The same dict each time for the same settings: read it, never change it."""
    return details_of(settings.CLINIC_NAME, settings.CLINIC_PHONE)


@lru_cache(maxsize=8)
def details_of(name, phone):
    return {"name": name, "phone": phone, "phone_href": tel_href(phone)}


def other_languages(path=None):
    """The page's language links: each other language, named in itself, with the
    address of this page in it (``path``, query kept), or of its home page when there
    is no page to translate (an error page) or the page has no other address."""
    current = translation.get_language()
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        url = translate_url(path, code) if path else path
        if not url or url == path:
            with translation.override(code):
                url = reverse("home")
        links.append({"code": code, "name": name, "url": url})
    return links


def clinic(request):
    # site_url: canonical links start with it, never with the Host the request named.
    return {
        "clinic": clinic_details(),
        "site_url": settings.SITE_URL,
        "other_languages": other_languages(request.get_full_path()),
    }
