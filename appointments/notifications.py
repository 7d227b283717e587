"""The emails about a new appointment request, queued in the outbox (core.outbox)
in the same transaction as the request, and sent by the background worker.

Neither email carries patient data (name, phone, reason, birth date): email is not a
safe place for health information. The front desk's say which language the patient
used (and so prefers); the patient's are written in it (translation.override), whatever
language the page that sends them is in (the admin is English).
"""

import math

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appointments.models import AppointmentRequest, booking_ics
from core.context_processors import clinic_details
from core.outbox import outgoing, send_later, send_together
from core.site import absolute_url


def response_days():
    """REQUEST_RESPONSE_HOURS as the business days we promise patients."""
    return max(1, math.ceil(settings.REQUEST_RESPONSE_HOURS / 24))


def queue_overdue_alert():
    """One email to the front desk naming the requests that have newly waited longer
    than REQUEST_RESPONSE_HOURS (references only), each named once. Returns how many."""
    overdue = list(
        AppointmentRequest.objects.overdue()
        .filter(overdue_alert_sent_at__isnull=True)
        .order_by("created")
        .values_list("pk", "reference")
    )
    if not overdue:
        return 0
    references = [reference for _, reference in overdue]
    with transaction.atomic():
        send_later(
            kind="overdue requests: front desk",
            to=settings.FRONT_DESK_EMAILS,
            subject=f"{len(overdue)} appointment request(s) waiting over "
            f"{settings.REQUEST_RESPONSE_HOURS} hours",
            body=render_to_string(
                "appointments/email/overdue_alert.txt",
                {
                    "references": references,
                    "hours": settings.REQUEST_RESPONSE_HOURS,
                    "list_url": absolute_url(
                        reverse("admin:appointments_appointmentrequest_changelist") + "?overdue=yes"
                    ),
                },
            ),
        )
        AppointmentRequest.objects.filter(pk__in=[pk for pk, _ in overdue]).update(
            overdue_alert_sent_at=timezone.now()
        )
    return len(overdue)


def queue_notifications(appointment_request):
    """The front desk's notice and, if the patient gave an address, their
    confirmation: into the outbox, with the request, in the caller's transaction."""
    reference = appointment_request.reference
    language = (
        f" ({appointment_request.get_language_display()})"
        if appointment_request.prefers_other_language
        else ""
    )
    with translation.override("en"):  # the front desk's language, the admin's
        front_desk_body = render_to_string(
            "appointments/email/front_desk.txt",
            {
                "appointment_request": appointment_request,
                "admin_url": absolute_url(appointment_request.get_admin_url()),
            },
        )
    emails = [
        outgoing(
            kind="new request: front desk",
            reference=reference,
            to=settings.FRONT_DESK_EMAILS,
            subject=f"New appointment request {reference}{language}",
            body=front_desk_body,
        )
    ]
    if appointment_request.email:
        with translation.override(appointment_request.language):
            emails.append(
                outgoing(
                    kind="new request: patient",
                    reference=reference,
                    to=[appointment_request.email],
                    subject=_("We received your appointment request (%(reference)s)")
                    % {"reference": reference},
                    body=render_to_string(
                        "appointments/email/patient_confirmation.txt",
                        {
                            "reference": reference,
                            "response_days": response_days(),
                            "clinic": clinic_details(),
                        },
                    ),
                )
            )
    send_together(emails)


def queue_booking_confirmation(appointment_request):
    """The booked appointment to the patient, with its calendar entry (.ics), if they
    chose email and gave an address; None otherwise. Only when, where and the
    clinic's phone: no name, no reason. A changed booking sends the same calendar
    entry (same UID) with the next SEQUENCE, so it replaces the one before."""
    if not appointment_request.wants_email or not appointment_request.has_booking:
        return None
    reference = appointment_request.reference
    location = appointment_request.appointment_location
    changed = bool(appointment_request.booking_sequence)
    with translation.override(appointment_request.language):
        subject = (
            _("Your appointment has changed (%(reference)s)")
            if changed
            else _("Your appointment is booked (%(reference)s)")
        ) % {"reference": reference}
        return send_later(
            kind="booking: patient",
            reference=reference,
            to=[appointment_request.email],
            subject=subject,
            body=render_to_string(
                "appointments/email/booking_confirmation.txt",
                {
                    "reference": reference,
                    "changed": changed,
                    "when": timezone.localtime(appointment_request.appointment_at),
                    "location": location,
                    "phone": location.phone or settings.CLINIC_PHONE,
                    "clinic": clinic_details(),
                },
            ),
            attachments=[
                (f"appointment-{reference}.ics", booking_ics(appointment_request), "text/calendar")
            ],
        )


def queue_booking_cancellation(appointment_request):
    """The patient's appointment is cancelled: the same calendar entry (same UID, next
    SEQUENCE) as a cancellation, if they chose email; None otherwise. When and where
    it was, and the clinic's phone, nothing else."""
    cancelled = appointment_request.cancelled_booking
    if not cancelled or not appointment_request.wants_email:
        return None
    reference = appointment_request.reference
    start, location = cancelled
    phone = (location.phone if location else "") or settings.CLINIC_PHONE
    with translation.override(appointment_request.language):
        return send_later(
            kind="booking cancelled: patient",
            reference=reference,
            to=[appointment_request.email],
            subject=_("Your appointment is cancelled (%(reference)s)") % {"reference": reference},
            body=render_to_string(
                "appointments/email/booking_cancelled.txt",
                {
                    "reference": reference,
                    "when": timezone.localtime(start),
                    "location": location,
                    "phone": phone,
                    "clinic": clinic_details(),
                },
            ),
            attachments=[
                (
                    f"appointment-{reference}.ics",
                    booking_ics(appointment_request, cancelled=cancelled),
                    "text/calendar",
                )
            ],
        )


def queue_unreached_email(appointment_request):
    """ "We tried to reach you": the clinic's phone and the reference, nothing else,
    to a patient flagged Unable to reach who gave an email address. Returns the
    Email, or None when there is no address."""
    if not appointment_request.email:
        return None
    reference = appointment_request.reference
    with transaction.atomic(), translation.override(appointment_request.language):
        email = send_later(
            kind="unable to reach: patient",
            reference=reference,
            to=[appointment_request.email],
            subject=_("We tried to reach you about your appointment request (%(reference)s)")
            % {"reference": reference},
            body=render_to_string(
                "appointments/email/tried_to_reach.txt",
                {"reference": reference, "clinic": clinic_details()},
            ),
        )
        appointment_request.unreached_email_sent_at = timezone.now()
        appointment_request.save(update_fields=["unreached_email_sent_at", "updated"])
    return email
