"""Factories and fixtures for the appointments tests."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.abuse import FormStamp
from appointments.models import AppointmentRequest, Location
from education.models import Article, Clinician

REQUEST_URL = reverse("appointments:request")
RECEIVED_URL = reverse("appointments:received")


def make_location(slug="riverside", name="Riverside", **fields):
    return Location.objects.create(
        slug=slug,
        name=name,
        address=fields.pop("address", "120 River Road\nColumbus, OH 43215"),
        phone=fields.pop("phone", "(614) 555-0142"),
        hours=fields.pop("hours", "Monday to Friday: 8am to 5pm"),
        **fields,
    )


@pytest.fixture
def location(db):
    return make_location()


@pytest.fixture
def two_locations(db):
    return [make_location(), make_location("northgate", "Northgate", order=2)]


def make_article(slug="facet-joints-explained", title="Facet joints explained", **fields):
    reviewer = Clinician.objects.create(name="Ana Ruiz", credentials="MD")
    return Article.objects.create(
        slug=slug,
        title=title,
        summary="What facet joints are and why they hurt.",
        body="<p>Facet joints are small joints in the spine.</p>",
        status=fields.pop("status", Article.Status.PUBLISHED),
        publish_at=fields.pop("publish_at", timezone.now() - timezone.timedelta(days=1)),
        reviewer=reviewer,
        reviewed_on=timezone.localdate(),
        **fields,
    )


@pytest.fixture
def article(db):
    return make_article()


def signed_token(age=60, source_path=""):
    """A form_token as the form would have issued it `age` seconds ago."""
    return FormStamp("token-" + str(time.monotonic_ns()), time.time() - age, source_path).signed


def form_data(**overrides):
    """A complete, valid submission (POST names from DESIGN.md) plus a fresh token."""
    data = {
        "first_name": "Dana",
        "last_name": "Whitfield",
        "date_of_birth": "1956-04-12",
        "phone": "(614) 867-5309",
        "email": "dana@example.com",
        "preferred_contact": "phone",
        "preferred_days": ["mon", "wed"],
        "preferred_time": "morning",
        "is_new_patient": "yes",
        "reason": "Lower back pain for three months, worse when sitting.",
        "treatments_tried": "Facet joint injections in March",
        "referring_provider": "Dr. Lee, Eastside Family Medicine",
        "insurance": "Acme Health PPO",
        "consent": "on",
        "article": "",
        "website": "",
        "form_token": signed_token(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def make_request(**fields):
    """An AppointmentRequest saved directly, as if sent through the form."""
    values = {
        "first_name": "Dana",
        "last_name": "Whitfield",
        "phone": "+16148675309",
        "reason": "Lower back pain.",
        "consent": True,
    }
    values.update(fields)
    created = values.pop("created", None)
    appointment_request = AppointmentRequest.objects.create(**values)
    if created is not None:  # auto_now_add ignores a value given to create()
        AppointmentRequest.objects.filter(pk=appointment_request.pk).update(created=created)
        appointment_request.refresh_from_db()
    return appointment_request


def spreadsheet_safe(value):
    """The formula guard's rule, as appointments/export.py safe() applies it in SQL."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
