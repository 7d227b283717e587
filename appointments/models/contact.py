from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from appointments.models.requests import AppointmentRequest
from core.history import kept_history


class ContactAttempt(models.Model):
    """One call, text or email from the front desk to a patient about their request."""

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached the patient"
        VOICEMAIL = "voicemail", "Left a voicemail"
        NO_ANSWER = "no_answer", "No answer"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        MESSAGE_SENT = "message_sent", "Sent a text or email"

    # How the admin's message names each outcome: "Logged a voicemail; ..."
    LOGGED = {
        Outcome.REACHED: "a call that reached the patient",
        Outcome.VOICEMAIL: "a voicemail",
        Outcome.NO_ANSWER: "a call with no answer",
        Outcome.WRONG_NUMBER: "a wrong number",
        Outcome.MESSAGE_SENT: "a text or email sent",
    }

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

    history = kept_history(cascade_delete_history=True)

    class Meta:
        ordering = ["when"]

    def __str__(self):
        when = date_format(timezone.localtime(self.when), "DATETIME_FORMAT")
        return f"{self.get_outcome_display()} ({when})"

    def save(self, *args, **kwargs):
        """A new attempt updates its request by its outcome (see
        AppointmentRequest.note_contact_attempt); `effect` says how, in words. Editing
        an attempt later only keeps "first contacted" right."""
        adding = self._state.adding
        super().save(*args, **kwargs)
        self.effect = self.appointment_request.note_contact_attempt(
            self.when, self.outcome if adding else None
        )
