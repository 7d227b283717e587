from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from appointments.models.requests import AppointmentRequest


class ContactAttempt(models.Model):
    """One call, text or email from the front desk to a patient about their request."""

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached the patient"
        VOICEMAIL = "voicemail", "Left a voicemail"
        NO_ANSWER = "no_answer", "No answer"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        MESSAGE_SENT = "message_sent", "Sent a text or email"

    appointment_request = models.ForeignKey(
        AppointmentRequest, on_delete=models.CASCADE, related_name="contact_attempts"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    when = models.DateTimeField(default=timezone.now)
    method = models.CharField(
        max_length=5,
        choices=AppointmentRequest.ContactMethod,
        default=AppointmentRequest.ContactMethod.PHONE,
    )
    outcome = models.CharField(max_length=12, choices=Outcome)
    note = models.TextField(blank=True)

    history = HistoricalRecords(cascade_delete_history=True)

    class Meta:
        ordering = ["when"]

    def __str__(self):
        when = date_format(timezone.localtime(self.when), "DATETIME_FORMAT")
        return f"{self.get_outcome_display()} ({when})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.appointment_request.note_contact_attempt(self.when)
