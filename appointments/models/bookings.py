"""The booked appointment: visit types, the clinic's business days and local days, and
the calendar entry (.ics) sent to the patient.

Dates the front desk sees are the clinic's (settings.TIME_ZONE): a call-back "by
Tuesday" and an appointment "today" are days in the clinic's time zone, whatever the
server's clock says in UTC.
"""

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from django.apps import apps as global_apps
from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

SATURDAY = 5


class VisitType(models.Model):
    """What the appointment is for, as the practice names it (new patient
    consultation, follow-up, procedure). Edited by the practice manager."""

    name = models.CharField(max_length=100, unique=True)
    minutes = models.PositiveSmallIntegerField(
        default=30, help_text="How long it usually takes; the patient's calendar entry lasts this."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


def clinic_zone():
    return timezone.get_default_timezone()


def clinic_date(moment=None):
    """The clinic's calendar date at `moment` (now by default)."""
    return timezone.localtime(moment or timezone.now(), clinic_zone()).date()


def next_business_day(moment=None):
    """The first Monday-to-Friday date after the clinic's date at `moment`."""
    day = clinic_date(moment) + timedelta(days=1)
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return day


def day_start(day):
    """Midnight at the start of the clinic's `day`, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min), clinic_zone())


def local_days(first, last):
    """[start, end) of the clinic's days first..last inclusive, as aware datetimes."""
    return day_start(first), day_start(last + timedelta(days=1))


def booking_uid(reference):
    """The calendar entry's UID: the same for a request whatever its booking becomes,
    so a changed appointment updates the patient's entry instead of adding one."""
    host = urlsplit(settings.SITE_URL).hostname or "clinic.invalid"
    return f"appointment-{reference}@{host}"


def booking_ics(appointment_request, now=None, cancelled=None):
    """The booked appointment as an iCalendar file (text): when and where, the
    reference and the clinic's phone. Nothing about the patient or their reason. In the
    patient's language.

    With ``cancelled`` (the (start, location) that was booked), the same entry (same
    UID, next SEQUENCE) as a cancellation, which calendars remove."""
    with translation.override(appointment_request.language):
        return _booking_calendar(appointment_request, now, cancelled)


def _booking_calendar(appointment_request, now, cancelled):
    from icalendar import Calendar, Event

    if cancelled:
        start, location = cancelled
    else:
        start = appointment_request.appointment_at
        location = appointment_request.appointment_location
    start = timezone.localtime(start, clinic_zone())
    minutes = appointment_request.visit_type.minutes if appointment_request.visit_type else 30
    phone = location.phone if location and location.phone else settings.CLINIC_PHONE
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    if cancelled:
        event.add("status", "CANCELLED")
    event.add("uid", booking_uid(appointment_request.reference))
    event.add("sequence", appointment_request.booking_sequence or 0)
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", _("Appointment at %(clinic)s") % {"clinic": settings.CLINIC_NAME})
    if location:
        event.add("location", ", ".join([location.name, *location.address_lines]))
    event.add(
        "description",
        _("Your reference: %(reference)s. To change or cancel, call %(phone)s.")
        % {"reference": appointment_request.reference, "phone": phone},
    )
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


# What a new site offers until the clinic sets its own: (name, minutes, order).
STARTER_VISIT_TYPES = [
    ("New patient consultation", 60, 1),
    ("Follow-up", 30, 2),
    ("Procedure", 45, 3),
]


def ensure_visit_types(sender, using, apps=global_apps, **kwargs):
    """post_migrate: the starter visit types when the site has none."""
    VisitType = apps.get_model("appointments", "VisitType")
    if not VisitType.objects.using(using).exists():
        VisitType.objects.using(using).bulk_create(
            VisitType(name=name, minutes=minutes, order=order)
            for name, minutes, order in STARTER_VISIT_TYPES
        )
