"""The front desk's admin: locations and appointment requests."""

from appointments.admin.locations import LocationAdmin
from appointments.admin.requests import AppointmentRequestAdmin

__all__ = ["AppointmentRequestAdmin", "LocationAdmin"]
