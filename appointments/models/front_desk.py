"""What the front desk adds to a request while working it: the call-backs and the
booked appointment. An abstract base of AppointmentRequest, kept apart so that each
file stays readable; its fields are the request's own columns."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format

from appointments.models.bookings import VisitType, clinic_date, next_business_day
from appointments.models.locations import Location


def unreached_attempts():
    """After this many unanswered calls in a row a request is flagged "Unable to reach"."""
    return settings.REQUEST_UNREACHED_ATTEMPTS


class FrontDeskWork(models.Model):
    """Needs, on the concrete model: Status, CALL_BACK_STATUSES, status, email,
    first_contacted_at and save()."""

    # What makes the booked appointment; a change sends the patient a new confirmation.
    BOOKING_FIELDS = (
        "appointment_at",
        "appointment_location_id",
        "clinician_id",
        "visit_type_id",
    )

    call_back_by = models.DateField(
        "call back by",
        null=True,
        blank=True,
        help_text="Proposed after an unanswered call: the next business day.",
    )
    unanswered_attempts = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="Unanswered contact attempts since the last reached."
    )
    unreached_email_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The booked appointment (status Scheduled needs date, time and location).
    appointment_at = models.DateTimeField(
        "appointment", null=True, blank=True, help_text="Date and time, in the clinic's time zone."
    )
    appointment_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="booked_requests",
        verbose_name="appointment location",
    )
    clinician = models.ForeignKey(
        "education.Clinician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booked_requests",
        help_text="Who the patient will see.",
    )
    visit_type = models.ForeignKey(
        VisitType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The calendar entry's SEQUENCE: 0 when first booked, one more at each change.
    booking_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def booking_key(self):
        return tuple(getattr(self, name) for name in self.BOOKING_FIELDS)

    def clean_booking(self):
        """Scheduled needs the appointment's date, time and location."""
        if self.status != self.Status.SCHEDULED:
            return
        errors = {}
        if self.appointment_at is None:
            errors["appointment_at"] = "A scheduled request needs the appointment's date and time."
        if self.appointment_location_id is None:
            errors["appointment_location"] = (
                "A scheduled request needs the location of the appointment."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def has_booking(self):
        return self.appointment_at is not None and self.appointment_location_id is not None

    @property
    def call_back_state(self):
        """ "today" or "overdue" while the request waits for a call back, else None."""
        if self.call_back_by is None or self.status not in self.CALL_BACK_STATUSES:
            return None
        today = clinic_date()
        if self.call_back_by < today:
            return "overdue"
        return "today" if self.call_back_by == today else None

    @property
    def is_unable_to_reach(self):
        return (
            self.status in self.CALL_BACK_STATUSES
            and self.unanswered_attempts >= unreached_attempts()
        )

    def note_contact_attempt(self, when, outcome=None):
        """The front desk tried to reach the patient: remember the first time; then by
        the outcome, "reached" moves a new request to Contacted and clears the
        call-back, anything else keeps the status, counts the unanswered attempt and
        proposes a call-back on the next business day. Returns what changed, in
        words, for the admin's message."""
        # The contact attempt's model, through the reverse relation: no import of it,
        # which imports the request model that this one is a base of.
        ContactAttempt = self.contact_attempts.model

        old_status = self.status
        update_fields = []
        if self.first_contacted_at is None or when < self.first_contacted_at:
            self.first_contacted_at = when
            update_fields.append("first_contacted_at")
        if outcome == ContactAttempt.Outcome.REACHED:
            if self.status == self.Status.NEW:
                self.status = self.Status.CONTACTED
                update_fields.append("status")
            self.unanswered_attempts, self.call_back_by = 0, None
            update_fields += ["unanswered_attempts", "call_back_by"]
        elif outcome is not None:
            self.unanswered_attempts += 1
            update_fields.append("unanswered_attempts")
            if self.status in self.CALL_BACK_STATUSES:
                self.call_back_by = next_business_day(when)
                update_fields.append("call_back_by")
        if update_fields:
            self.save(update_fields=[*update_fields, "updated"])
        return self.describe_attempt(outcome, old_status)

    def describe_attempt(self, outcome, old_status):
        ContactAttempt = self.contact_attempts.model  # (see note_contact_attempt)

        what = ContactAttempt.LOGGED.get(outcome, "a contact attempt")
        old_label = self.Status(old_status).label
        if self.status != old_status:
            words = [
                f"Logged {what}; the request moves from {old_label} to {self.get_status_display()}"
            ]
        else:
            words = [f"Logged {what}; the request stays {old_label}"]
        if outcome != ContactAttempt.Outcome.REACHED and self.call_back_by:
            words.append(f"call back by {date_format(self.call_back_by, 'D M j')}")
        sentence = "; ".join(words) + "."
        if self.is_unable_to_reach:
            sentence += (
                f" {self.unanswered_attempts} unanswered attempts: flagged Unable to reach"
                + (
                    "; you can send the “we tried to reach you” email from the request."
                    if self.email
                    else "; the patient gave no email address."
                )
            )
        return sentence
