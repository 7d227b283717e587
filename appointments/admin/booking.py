"""Booking in one save: the request page's form and what its save says.

Entering the appointment's date, time and location on an open request and saving
books it (Scheduled) and queues the patient's confirmation; clearing the date of a
scheduled request takes the booking back (Contacted) and queues the cancellation.
Dates and times are entered with the browser's own date and time inputs, in the
clinic's time zone, which the page names once (request_change_form.html): Django's
calendar widgets would add a per-field warning whenever the browser's zone differs.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.utils import timezone
from django.utils.dateformat import format as date_format

from appointments.models import AppointmentRequest, ContactAttempt
from appointments.notifications import queue_booking_cancellation, queue_booking_confirmation

Status = AppointmentRequest.Status


def clinic_datetime_widget(name):
    """Native date and time inputs (no timezone warning, a picker on phones), each
    with its own accessible name ("Appointment date")."""
    return forms.SplitDateTimeWidget(
        date_format="%Y-%m-%d",
        time_format="%H:%M",
        date_attrs={"type": "date", "aria-label": f"{name} date"},
        time_attrs={"type": "time", "aria-label": f"{name} time"},
    )


def clinic_date_widget():
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class RequestForm(forms.ModelForm):
    class Meta:
        model = AppointmentRequest
        fields = (
            "status",
            "assigned_to",
            "call_back_by",
            "notes",
            "appointment_at",
            "appointment_location",
            "clinician",
            "visit_type",
        )
        widgets = {
            "appointment_at": clinic_datetime_widget("Appointment"),
            "call_back_by": clinic_date_widget(),
        }
        # Short, so the work fits the first screen; the page names the time zone once.
        help_texts = {"appointment_at": "", "assigned_to": "", "clinician": ""}

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        booked = cleaned.get("appointment_at") and cleaned.get("appointment_location")
        if status in AppointmentRequest.CALL_BACK_STATUSES and not booked:
            # Half a booking books nothing: say what is missing rather than save it.
            if cleaned.get("appointment_at") and not cleaned.get("appointment_location"):
                self.add_error("appointment_location", "Choose the location to book it.")
            elif cleaned.get("appointment_location") and not cleaned.get("appointment_at"):
                self.add_error("appointment_at", "Enter the date and time to book it.")
        if booked and status in AppointmentRequest.CALL_BACK_STATUSES:
            # A date, time and place on an open request is the booking itself.
            cleaned["status"] = Status.SCHEDULED
        elif (
            status == Status.SCHEDULED
            and self.instance.status == Status.SCHEDULED
            and "appointment_at" not in self.errors
            and not cleaned.get("appointment_at")
        ):
            # The date cleared: the booking is taken back, the request is open again.
            cleaned["status"] = Status.CONTACTED
            cleaned["appointment_location"] = None
        return cleaned


class ContactAttemptForm(forms.ModelForm):
    class Meta:
        model = ContactAttempt
        fields = ("when", "method", "outcome", "note")
        widgets = {"when": clinic_datetime_widget("Call")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # Now, to the minute the time input shows: the new row's hidden initial
            # then matches what the browser sends back, so an untouched row stays
            # unchanged instead of asking for an outcome.
            self.initial.setdefault("when", timezone.now().replace(second=0, microsecond=0))


def booking_summary(obj):
    when = timezone.localtime(obj.appointment_at)
    return f"{date_format(when, 'l, F j, g:i A')} at {obj.appointment_location}"


def say_what_the_booking_sent(model_admin, request, obj):
    """After the request is saved: queue the confirmation or cancellation its booking
    calls for, and tell the front desk exactly what happened."""
    if obj.booking_changed:
        first = obj.booking_sequence == 0
        what = "booked" if first else "rebooked"
        booked = f"{obj} is {what} for {booking_summary(obj)} (status Scheduled)."
        if queue_booking_confirmation(obj) is not None:
            kind = "confirmation" if first else "changed-time notice"
            model_admin.message_user(
                request,
                f"{booked} The {kind}, with its calendar entry, is queued to be emailed "
                "to the patient (see Emails on this page).",
            )
        else:
            model_admin.message_user(
                request,
                f"{booked} No email: the patient did not choose email. Tell them the "
                "date, time and place by phone.",
                messages.WARNING,
            )
    if obj.cancelled_booking:
        start, _location = obj.cancelled_booking
        when = date_format(timezone.localtime(start), "l, F j, g:i A")
        if queue_booking_cancellation(obj) is not None:
            model_admin.message_user(
                request,
                f"The appointment of {when} is cancelled (status "
                f"{obj.get_status_display()}). A cancellation, which removes it from the "
                "patient's calendar, is queued to be emailed to them.",
            )
        else:
            model_admin.message_user(
                request,
                f"The appointment of {when} is cancelled (status "
                f"{obj.get_status_display()}). No email: the patient did not choose email. "
                "Tell them by phone.",
                messages.WARNING,
            )


def time_zone_note():
    """The clinic's zone, said once on the request page."""
    now = timezone.localtime()
    return f"Times are the clinic's ({now.tzname()}, {settings.TIME_ZONE})."
