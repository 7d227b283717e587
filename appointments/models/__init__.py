"""Appointments: where the clinic sees patients, the requests patients send, and the
front desk's calls about them."""

from appointments.models.contact import ContactAttempt
from appointments.models.locations import Location, LocationQuerySet, OpeningHours
from appointments.models.requests import (
    AppointmentRequest,
    AppointmentRequestQuerySet,
    overdue_cutoff,
)

__all__ = [
    "AppointmentRequest",
    "AppointmentRequestQuerySet",
    "ContactAttempt",
    "Location",
    "LocationQuerySet",
    "OpeningHours",
    "overdue_cutoff",
]
