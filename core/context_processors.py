from django.conf import settings

from core.phone import tel_href


def clinic_details():
    """Name and phone of the clinic, for templates rendered with or without a request."""
    return {
        "name": settings.CLINIC_NAME,
        "phone": settings.CLINIC_PHONE,
        "phone_href": tel_href(settings.CLINIC_PHONE),
    }


def clinic(request):
    # site_url: canonical links start with it, never with the Host the request named.
    return {"clinic": clinic_details(), "site_url": settings.SITE_URL}
