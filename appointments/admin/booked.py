"""The front desk's view of booked appointments by day (today, tomorrow, this week),
in the clinic's time zone, printable without the admin around it."""

from itertools import groupby

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from appointments.admin.parts import booked_days
from appointments.models import AppointmentRequest
from core.access_record import Action, record_access

CHOICES = {"today": "Today", "tomorrow": "Tomorrow", "week": "This week"}


def booked_by_day(first, last):
    """[(date, [request, ...]), ...] of the scheduled requests of the clinic's days
    first..last, each under the clinic's date of its appointment. Each request has
    what its row shows worked out once (a day can hold hundreds): `starts` (the
    clinic's time), `time_label` ("9:15 AM") and `admin_url`."""
    booked = AppointmentRequest.objects.booked_between(first, last).select_related(
        "appointment_location", "clinician", "visit_type"
    )
    # One reverse() for the page rather than one per row (the change page's address is
    # the list's, then the id).
    list_url = reverse("admin:appointments_appointmentrequest_changelist")
    for booking in booked:
        booking.starts = timezone.localtime(booking.appointment_at)
        booking.time_label = booking.starts.strftime("%I:%M %p").lstrip("0")
        booking.admin_url = f"{list_url}{booking.pk}/change/"
    return [
        (day, list(requests))
        for day, requests in groupby(booked, key=lambda booking: booking.starts.date())
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
