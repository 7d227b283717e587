"""The front desk's view of booked appointments by day (today, tomorrow, this week),
in the clinic's time zone, printable without the admin around it."""

from itertools import groupby

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone

from appointments.admin.parts import booked_days
from appointments.models import AppointmentRequest
from core.access_record import Action, record_access

CHOICES = {"today": "Today", "tomorrow": "Tomorrow", "week": "This week"}


def booked_by_day(first, last):
    """[(date, [request, ...]), ...] of the scheduled requests of the clinic's days
    first..last, each under the clinic's date of its appointment."""
    booked = AppointmentRequest.objects.booked_between(first, last).select_related(
        "appointment_location", "clinician", "visit_type"
    )
    return [
        (day, list(requests))
        for day, requests in groupby(
            booked, key=lambda booking: timezone.localtime(booking.appointment_at).date()
        )
    ]


def booked_view(model_admin, request):
    """Template ``appointments/admin/booked_day.html``; ?day=today|tomorrow|week."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    which = request.GET.get("day", "today")
    if which not in CHOICES:
        which = "today"
    first, last = booked_days(which)
    days = booked_by_day(first, last)
    record_access(request, Action.BOOKED, [r.reference for _, booked in days for r in booked])
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Booked appointments: {CHOICES[which].lower()}",
        "which": which,
        "choices": CHOICES,
        "first": first,
        "last": last,
        "days": days,
        "time_zone": settings.TIME_ZONE,
        "count": sum(len(requests) for _, requests in days),
    }
    return TemplateResponse(request, "appointments/admin/booked_day.html", context)
