"""The front desk's view of booked appointments by day (today, tomorrow, this week),
in the clinic's time zone, printable without the admin around it."""

import html
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from appointments.admin.parts import booked_days
from appointments.models import AppointmentRequest
from core.access_record import Action, record_access
from core.phone import display_phone, tel_href

CHOICES = {"today": "Today", "tomorrow": "Tomorrow", "week": "This week"}


# What a day's table shows of each visit, read as plain values: a clinic group's day
# holds hundreds of visits, and making a request, its location, clinician and visit type
# into model instances for each was the largest part of the page's time.
COLUMNS = (
    "pk",
    "reference",
    "appointment_at",
    "first_name",
    "last_name",
    "phone",
    "appointment_location__name",
    "clinician__name",
    "clinician__credentials",
    "visit_type__name",
)


@dataclass(frozen=True)
class Visit:
    reference: str
    row: str  # its line of the day's table (safe HTML)


def booked_by_day(first, last):
    """[(date, [Visit, ...]), ...] of the scheduled requests of the clinic's days
    first..last, each under the clinic's date of its appointment, soonest first."""
    booked = AppointmentRequest.objects.booked_between(first, last).values_list(*COLUMNS)
    # One reverse() for the page rather than one per row (the change page's address is
    # the list's, then the id).
    list_url = reverse("admin:appointments_appointmentrequest_changelist")
    visits = []
    for pk, reference, at, first_name, last_name, phone, *more in booked:
        location, clinician, credentials, visit_type = more
        if clinician and credentials:
            clinician = f"{clinician}, {credentials}"  # as Clinician.display_name
        starts = timezone.localtime(at)
        row = table_row(
            starts.isoformat(),
            starts.strftime("%I:%M %p").lstrip("0"),  # 9:15 AM
            f"{first_name} {last_name}",
            tel_href(phone),
            display_phone(phone),
            location or "-",
            clinician or "-",
            visit_type or "-",
            f"{list_url}{pk}/change/",
            reference,
        )
        visits.append((starts.date(), Visit(reference, row)))
    return [
        (day, [visit for _, visit in group]) for day, group in groupby(visits, key=itemgetter(0))
    ]


# A visit's line in booked_day.html, one cell value for each {}. Written here rather
# than in the template: the template's lookups and date filters for each cell were most
# of the page's time.
ROW = (
    '<tr><td><time datetime="{}">{}</time></td><td>{}</td><td><a href="{}">{}</a></td>'
    '<td>{}</td><td>{}</td><td>{}</td><td><a href="{}">{}</a></td></tr>'
)


def table_row(*cells):
    """ROW with every value escaped by html.escape(), as Django's escape() does (without
    its checks for lazy text, which took half the time of a row)."""
    return mark_safe(ROW.format(*(html.escape(str(cell)) for cell in cells)))  # noqa: S308 (escaped)


def booked_view(model_admin, request):
    """Template ``appointments/admin/booked_day.html``; ?day=today|tomorrow|week."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    which = request.GET.get("day", "today")
    if which not in CHOICES:
        which = "today"
    first, last = booked_days(which)
    days = booked_by_day(first, last)
    record_access(request, Action.BOOKED, [v.reference for _, visits in days for v in visits])
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
        "count": sum(len(visits) for _, visits in days),
    }
    return TemplateResponse(request, "appointments/admin/booked_day.html", context)
