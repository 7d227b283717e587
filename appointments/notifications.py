"""The emails about a new appointment request, queued in the outbox (core.outbox)
in the same transaction as the request, and sent by the background worker.

Neither email carries patient data (name, phone, reason, birth date): email is not a
safe place for health information.
"""

import math

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from appointments.models import AppointmentRequest
from core.context_processors import clinic_details
from core.outbox import send_later
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
    send_later(
        kind="new request: front desk",
        reference=reference,
        to=settings.FRONT_DESK_EMAILS,
        subject=f"New appointment request {reference}",
        body=render_to_string(
            "appointments/email/front_desk.txt",
            {
                "appointment_request": appointment_request,
                "admin_url": absolute_url(appointment_request.get_admin_url()),
            },
        ),
    )
    if appointment_request.email:
        send_later(
            kind="new request: patient",
            reference=reference,
            to=[appointment_request.email],
            subject=f"We received your appointment request ({reference})",
            body=render_to_string(
                "appointments/email/patient_confirmation.txt",
                {
                    "reference": reference,
                    "response_days": response_days(),
                    "clinic": clinic_details(),
                },
            ),
        )
