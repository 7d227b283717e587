"""The front desk's admin: locations, appointment requests and visit types."""

from appointments.admin.locations import LocationAdmin
from appointments.admin.requests import AppointmentRequestAdmin
from appointments.admin.visit_types import VisitTypeAdmin

__all__ = ["AppointmentRequestAdmin", "LocationAdmin", "VisitTypeAdmin"]
