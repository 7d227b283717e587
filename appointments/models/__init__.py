"""Appointments: where the clinic sees patients, the requests patients send, and the
front desk's calls about them."""

from appointments.models.bookings import VisitType, booking_ics, next_business_day
from appointments.models.contact import ContactAttempt
from appointments.models.locations import Closure, Location, LocationQuerySet, OpeningHours
from appointments.models.requests import (
    AppointmentRequest,
    AppointmentRequestQuerySet,
    overdue_cutoff,
)

__all__ = [
    "AppointmentRequest",
    "AppointmentRequestQuerySet",
    "Closure",
    "ContactAttempt",
    "Location",
    "LocationQuerySet",
    "OpeningHours",
    "VisitType",
    "booking_ics",
    "next_business_day",
    "overdue_cutoff",
]
