"""The front desk's view of booked appointments by day (today, tomorrow, this week),
in the clinic's time zone, printable without the admin around it."""

from itertools import groupby

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from appointments.admin.parts import booked_days
from appointments.models import AppointmentRequest
from core.access_record import Action, record_access

CHOICES = {"today": "Today", "tomorrow": "Tomorrow", "week": "This week"}


def booked_by_day(first, last):
    """[(date, [request, ...]), ...] of the scheduled requests of the clinic's days
    first..last, each under the clinic's date of its appointment. Each request has
    `starts` (the clinic's time) and `row`, its line of the day's table."""
    booked = AppointmentRequest.objects.booked_between(first, last).select_related(
        "appointment_location", "clinician", "visit_type"
    )
    # One reverse() for the page rather than one per row (the change page's address is
    # the list's, then the id).
    list_url = reverse("admin:appointments_appointmentrequest_changelist")
    for booking in booked:
        booking.starts = timezone.localtime(booking.appointment_at)
        booking.row = table_row(booking, f"{list_url}{booking.pk}/change/")
    return [
        (day, list(requests))
        for day, requests in groupby(booked, key=lambda booking: booking.starts.date())
    ]


def table_row(booking, admin_url):
    """The booking's line in booked_day.html. Written here rather than in the template:
    a clinic group's day holds hundreds of visits, and the template's lookups and
    date filters for each cell were most of the page's time."""
    return format_html(
        '<tr><td><time datetime="{}">{}</time></td><td>{}</td><td><a href="{}">{}</a></td>'
        '<td>{}</td><td>{}</td><td>{}</td><td><a href="{}">{}</a></td></tr>',
        booking.starts.isoformat(),
        booking.starts.strftime("%I:%M %p").lstrip("0"),  # 9:15 AM
        booking.full_name,
        booking.phone_href,
        booking.phone_display,
        booking.appointment_location or "-",
        booking.clinician or "-",
        booking.visit_type or "-",
        admin_url,
        booking.reference,
    )


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
