"""The emails sent about a new appointment request.

Neither email carries patient data (name, phone, reason, birth date): email is not a
safe place for health information. Sending happens after the request is committed,
so a mail outage never loses a request; failures are recorded on the request, shown
in the admin and retried by `manage.py send_pending_notifications`.
"""

import logging
import math

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from appointments.models import AppointmentRequest
from core.context_processors import clinic_details

logger = logging.getLogger(__name__)


def response_days():
    """REQUEST_RESPONSE_HOURS as the business days we promise patients."""
    return max(1, math.ceil(settings.REQUEST_RESPONSE_HOURS / 24))


def notify_front_desk(appointment_request):
    """Tell the front desk a request is waiting: its reference, location and admin link."""
    context = {
        "appointment_request": appointment_request,
        "admin_url": settings.SITE_URL + appointment_request.get_admin_url(),
    }
    EmailMessage(
        subject=f"New appointment request {appointment_request.reference}",
        body=render_to_string("appointments/email/front_desk.txt", context),
        to=settings.FRONT_DESK_EMAILS,
    ).send(using="default")


def confirm_to_patient(appointment_request):
    """Send the patient their reference and what happens next; nothing else."""
    context = {
        "reference": appointment_request.reference,
        "response_days": response_days(),
        "clinic": clinic_details(),
    }
    EmailMessage(
        subject=f"We received your appointment request ({appointment_request.reference})",
        body=render_to_string("appointments/email/patient_confirmation.txt", context),
        to=[appointment_request.email],
    ).send(using="default")


def send_notifications(appointment_request_id):
    """Send whichever of the two emails has not gone out yet and record the outcome.

    Called through transaction.on_commit after a request is saved, and by the retry
    command. Never raises: the patient must see success whatever the mail server does.
    Returns True when everything due has been sent.
    """
    appointment_request = AppointmentRequest.objects.select_related("location").get(
        pk=appointment_request_id
    )
    Notification = AppointmentRequest.Notification
    outcome = {}
    try:
        if appointment_request.front_desk_notified_at is None:
            notify_front_desk(appointment_request)
            outcome["front_desk_notified_at"] = timezone.now()
        if appointment_request.email and appointment_request.patient_notified_at is None:
            confirm_to_patient(appointment_request)
            outcome["patient_notified_at"] = timezone.now()
    except Exception as error:  # SMTP, DNS, timeouts, a broken backend: all the same here.
        outcome["notification_status"] = Notification.FAILED
        outcome["notification_error"] = f"{timezone.localtime():%Y-%m-%d %H:%M} {error!r}"[:1000]
        # The reference only: the error text may quote the patient's address.
        logger.warning(
            "Notification for %s failed (%s)", appointment_request.reference, type(error).__name__
        )
    else:
        outcome["notification_status"] = Notification.SENT
        outcome["notification_error"] = ""
    # update(), not save(): no history entry, and no clash with a staff member's edit.
    AppointmentRequest.objects.filter(pk=appointment_request.pk).update(**outcome)
    return outcome["notification_status"] == Notification.SENT
