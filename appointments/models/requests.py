import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from appointments.models.bookings import clinic_date, day_start, local_days
from appointments.models.front_desk import FrontDeskWork, unreached_attempts
from appointments.models.locations import Location
from core.history import kept_history
from core.models import Email
from core.phone import display_phone, tel_href


def overdue_cutoff():
    """Requests received before this and still new have waited too long for a call."""
    return timezone.now() - timedelta(hours=settings.REQUEST_RESPONSE_HOURS)


# A reference as people say it: "AR-7K3Q9", "ar 7k3q9" or just "7K3Q9".
REFERENCE_TYPED = re.compile(r"^(?:AR[\s-]?)?([0-9A-Z]{5})$")
# A phone number or part of one: digits, spaces and ( ) . - +, and nothing else.
PHONE_TYPED = re.compile(r"^[\d\s().+-]+$")
PHONE_FRAGMENT_DIGITS = 4  # "0142", the last four, is the shortest part people quote


def phone_fragment(term):
    """The digits to look for inside stored numbers if `term` is a phone number or part
    of one, however typed: "(614) 555-0142", "+1 614…", "614-555", "555-0142", "0142".
    None for anything else (a reference, a name, a date such as 2026-11-30)."""
    term = term.strip()
    if not PHONE_TYPED.match(term) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", term):
        return None
    digits = re.sub(r"\D", "", term)
    if len(digits) < PHONE_FRAGMENT_DIGITS:
        return None
    # A whole US number typed with its country code, "+1 614 555 0142", is found
    # whether or not the stored number has one (they all do: E.164).
    return digits


class AppointmentRequestQuerySet(models.QuerySet):
    def open(self, today=None):
        """Requests the front desk may still be working on: new, contacted, and
        scheduled for a day that has not passed (a booking has an end: once its day
        is over the visit is no longer open work, and the retention purge applies).
        (Scheduled needs a date since bookings came in; one without is not open.)"""
        return self.filter(
            Q(status__in=AppointmentRequest.CALL_BACK_STATUSES)
            | Q(
                status=AppointmentRequest.Status.SCHEDULED,
                appointment_at__gte=day_start(today or clinic_date()),
            )
        )

    def past_visits(self, today=None):
        """Scheduled for a day that is over."""
        return self.filter(
            status=AppointmentRequest.Status.SCHEDULED,
            appointment_at__lt=day_start(today or clinic_date()),
        )

    def new(self):
        return self.filter(status=AppointmentRequest.Status.NEW)

    def search(self, term):
        """What the front desk types in the list's search box: a reference, words of a
        name or email address (each word must match), or a phone number or any part
        of it however typed. Each form has an index (see the migration 0009)."""
        term = " ".join(term.split())
        if not term:
            return self
        words = Q()
        for word in term.split(" "):
            words &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        found = words
        reference = REFERENCE_TYPED.match(term.upper())
        if reference:
            found |= Q(reference=f"AR-{reference.group(1)}")
        digits = phone_fragment(term)
        if digits:
            found |= Q(phone_digits__contains=digits)
        return self.filter(found)

    def overdue(self):
        """New, received before the response time, and nobody has tried to call yet."""
        return self.filter(
            status=AppointmentRequest.Status.NEW,
            created__lt=overdue_cutoff(),
            first_contacted_at__isnull=True,
        )

    def waiting_for_call_back(self):
        return self.filter(
            status__in=AppointmentRequest.CALL_BACK_STATUSES, call_back_by__isnull=False
        )

    def call_back_due_today(self, today=None):
        return self.waiting_for_call_back().filter(call_back_by=today or clinic_date())

    def call_back_overdue(self, today=None):
        return self.waiting_for_call_back().filter(call_back_by__lt=today or clinic_date())

    def unable_to_reach(self):
        return self.filter(
            status__in=AppointmentRequest.CALL_BACK_STATUSES,
            unanswered_attempts__gte=unreached_attempts(),
        )

    def booked_between(self, first, last):
        """Scheduled for the clinic's days first..last (dates, inclusive), soonest first."""
        start, end = local_days(first, last)
        return self.filter(
            status=AppointmentRequest.Status.SCHEDULED,
            appointment_at__gte=start,
            appointment_at__lt=end,
        ).order_by("appointment_at")

    def scheduled_since(self, moment):
        return self.filter(
            status=AppointmentRequest.Status.SCHEDULED, status_changed_at__gte=moment
        )

    def past_retention(self, days=None):
        """Finished requests, and visits that took place, nobody has touched for
        REQUEST_RETENTION_DAYS."""
        days = settings.REQUEST_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - timedelta(days=days)
        scheduled = Q(status=AppointmentRequest.Status.SCHEDULED)
        return self.filter(
            Q(status__in=AppointmentRequest.FINISHED_STATUSES)
            # A visit, or a request marked Scheduled before bookings had a date.
            | scheduled & (Q(appointment_at__lt=cutoff) | Q(appointment_at__isnull=True)),
            updated__lt=cutoff,
        )


# The front desk's list: new requests first (AppointmentRequestAdmin.ordering).
NEW_FIRST = Case(When(status="new", then=Value(0)), default=Value(1))
# The statuses of requests still to be reached (CALL_BACK_STATUSES): named once, for
# the model and for the call-back tiles' partial indexes, which PostgreSQL uses only
# while their condition is the queries' own.
CALL_BACK = ("new", "contacted")
STILL_TO_REACH = Q(status__in=CALL_BACK)


class AppointmentRequest(FrontDeskWork):
    """A patient's request for an appointment, sent from the website form.

    What the patient wrote is never edited by staff (the admin shows it read-only);
    the front desk works the status, assignment, contact attempts and notes.
    """

    # Read aloud over the phone: no 0/O, 1/I/L, 2/Z, 5/S, 8/B or V/U to mix up.
    REFERENCE_ALPHABET = "34679ACDEFGHJKMNPQRTUWXY"
    REFERENCE_LENGTH = 5

    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        SCHEDULED = "scheduled", "Scheduled"
        DECLINED = "declined", "Declined"
        CLOSED = "closed", "Closed"
        SPAM = "spam", "Spam"

    FINISHED_STATUSES = (Status.DECLINED, Status.CLOSED, Status.SPAM)
    # Still to be reached or booked: where call-backs and "Unable to reach" matter.
    CALL_BACK_STATUSES = tuple(map(Status, CALL_BACK))

    class ContactMethod(models.TextChoices):
        PHONE = "phone", _("Phone call")
        TEXT = "text", _("Text message")
        EMAIL = "email", _("Email")

    class Weekday(models.TextChoices):
        MON = "mon", _("Monday")
        TUE = "tue", _("Tuesday")
        WED = "wed", _("Wednesday")
        THU = "thu", _("Thursday")
        FRI = "fri", _("Friday")

    class TimeOfDay(models.TextChoices):
        MORNING = "morning", _("Morning")
        AFTERNOON = "afternoon", _("Afternoon")
        ANY = "any", _("Any time")

    class Language(models.TextChoices):
        # Named for the front desk, in English (the admin's language).
        ENGLISH = "en", "English"
        SPANISH = "es", "Spanish"

        @classmethod
        def current(cls):
            """The language of the page being answered (the URL's), if we offer it."""
            code = (translation.get_language() or "").split("-")[0]
            return code if code in cls.values else cls.ENGLISH

    # The request itself.
    reference = models.CharField(
        max_length=12,
        unique=True,
        editable=False,
        help_text="The patient may quote this when they call.",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_appointment_requests",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text="Who is looking after this request.",
    )
    first_contacted_at = models.DateTimeField(
        null=True, blank=True, help_text="Set by the first contact attempt logged below."
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_alert_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    notes = models.TextField(
        blank=True, help_text="For staff only. The patient never sees these notes."
    )
    # What the patient sent.
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=20, help_text="Stored in international form.")
    # The number's digits alone, for searching any part of it ("614-555", "555-0142");
    # kept by PostgreSQL itself, with a trigram index (migration 0009).
    phone_digits = models.GeneratedField(
        expression=Replace(F("phone"), Value("+"), Value("")),
        output_field=models.CharField(max_length=20),
        db_persist=True,
    )
    email = models.EmailField(blank=True)
    preferred_contact = models.CharField(
        max_length=5, choices=ContactMethod, default=ContactMethod.PHONE
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointment_requests",
    )
    preferred_days = models.JSONField(default=list, blank=True)
    preferred_time = models.CharField(max_length=9, choices=TimeOfDay, default=TimeOfDay.ANY)
    is_new_patient = models.BooleanField("new patient", null=True, blank=True)
    reason = models.TextField(max_length=2000)
    treatments_tried = models.TextField(max_length=2000, blank=True)
    referring_provider = models.CharField(max_length=200, blank=True)
    insurance = models.CharField(max_length=200, blank=True)
    consent = models.BooleanField("agreed to be contacted", default=False)
    language = models.CharField(
        max_length=5,
        choices=Language,
        default=Language.ENGLISH,
        help_text="The language of the pages the patient sent the request from: "
        "call and write in it if you can.",
    )

    # Where the patient came from.
    source_article = models.ForeignKey(
        "education.Article",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointment_requests",
    )
    source_path = models.CharField(
        max_length=500, blank=True, help_text="The page of this site the patient came from."
    )
    # The hidden one-time token of the form; unique, so a double submit saves one row.
    # NULL, not "", when there is none: unique allows many NULLs but only one "".
    form_token = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001

    created = models.DateTimeField("received", auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    history = kept_history(
        excluded_fields=[
            "phone_digits",
            "updated",
            "form_token",
            "overdue_alert_sent_at",
        ],
        # Deleting a request (retention) deletes its snapshots too: no patient data left.
        cascade_delete_history=True,
    )

    objects = AppointmentRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["status", "created"]),
            models.Index(fields=["phone"]),
            # Booked days, open visits and the purge of past ones.
            models.Index(fields=["status", "appointment_at"], name="appointment_status_booked"),
            # The front desk's list in its order (the admin adds -pk to make it total).
            models.Index(NEW_FIRST, "created", F("id").desc(), name="appointment_new_first"),
            # The call-back tiles and filters: only requests still to be reached
            # (STILL_TO_REACH) are in them, so they stay a few pages.
            models.Index(
                fields=["call_back_by"],
                condition=STILL_TO_REACH,
                name="appointment_call_back_by",
            ),
            models.Index(
                fields=["unanswered_attempts"],
                condition=STILL_TO_REACH,
                name="appointment_unreached",
            ),
        ]

    def __str__(self):
        # Only the reference: this string lands in admin logs and messages.
        return self.reference

    def save(self, *args, **kwargs):
        changed = []
        loaded_status = getattr(self, "_loaded_status", None)
        if self.status != loaded_status:
            self.status_changed_at = timezone.now()
            changed.append("status_changed_at")
        # A new or changed booking of a scheduled request: the patient's calendar entry
        # gets a new SEQUENCE, and the caller sends a new confirmation (booking_changed).
        self.booking_changed = self.status == self.Status.SCHEDULED and (
            loaded_status != self.Status.SCHEDULED
            or getattr(self, "_loaded_booking", None) != self.booking_key()
        )
        # A scheduled appointment taken back: its date cleared, or the request declined
        # before the visit. The patient's calendar entry is cancelled (same UID, next
        # SEQUENCE); `cancelled_booking` is the (start, location) that was booked.
        self.cancelled_booking = self._cancelled_booking(loaded_status)
        if self.booking_changed or self.cancelled_booking:
            self.booking_sequence = (
                0 if self.booking_sequence is None else self.booking_sequence + 1
            )
            changed.append("booking_sequence")
        if kwargs.get("update_fields") is not None and changed:
            kwargs["update_fields"] = {*kwargs["update_fields"], *changed}
        if self.reference:
            super().save(*args, **kwargs)
        else:
            self._save_with_new_reference(*args, **kwargs)
        self._loaded_status = self.status
        self._loaded_booking = self.booking_key()

    def clean(self):
        super().clean()
        self.clean_booking()

    def _cancelled_booking(self, loaded_status):
        loaded = getattr(self, "_loaded_booking", None)
        if loaded_status != self.Status.SCHEDULED or loaded is None or loaded[0] is None:
            return None
        start, location_id = loaded[0], loaded[1]
        cleared = self.appointment_at is None
        declined = self.status == self.Status.DECLINED and start > timezone.now()
        if not (cleared or declined):
            return None
        return start, Location.objects.filter(pk=location_id).first()

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        # Remember the status as loaded, so save() can tell when it changes.
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_status = instance.__dict__.get("status")
        if all(name in instance.__dict__ for name in cls.BOOKING_FIELDS):
            instance._loaded_booking = instance.booking_key()
        return instance

    def _save_with_new_reference(self, *args, **kwargs):
        """Insert with a fresh random reference, trying another if it is already taken."""
        for _attempt in range(10):
            self.reference = self.new_reference()
            try:
                with transaction.atomic():
                    super().save(*args, **kwargs)
                return
            except IntegrityError:
                # Another unique column (the form token) clashed: not ours to retry.
                if not type(self).objects.filter(reference=self.reference).exists():
                    self.reference = ""
                    raise
        raise IntegrityError("no free appointment request reference after 10 tries")

    @classmethod
    def new_reference(cls):
        code = "".join(secrets.choice(cls.REFERENCE_ALPHABET) for _ in range(cls.REFERENCE_LENGTH))
        return f"AR-{code}"

    def get_admin_url(self):
        return reverse("admin:appointments_appointmentrequest_change", args=[self.pk])

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def is_overdue(self):
        return (
            self.status == self.Status.NEW
            and self.first_contacted_at is None
            and self.created < overdue_cutoff()
        )

    @property
    def visit_is_past(self):
        """Scheduled for a day that is over: no longer open work."""
        return (
            self.status == self.Status.SCHEDULED
            and self.appointment_at is not None
            and self.appointment_at < day_start(clinic_date())
        )

    @property
    def prefers_other_language(self):
        """The patient used the site in another language than English."""
        return self.language != self.Language.ENGLISH

    @property
    def wants_email(self):
        """The patient chose email and gave an address: booking news goes there."""
        return self.preferred_contact == self.ContactMethod.EMAIL and bool(self.email)

    @property
    def new_or_returning(self):
        return {True: "New", False: "Returning"}.get(self.is_new_patient, "Not said")

    @property
    def phone_display(self):
        """The stored E.164 number as people write it: (614) 555-0142, or +44 20 ..."""
        return display_phone(self.phone)

    @property
    def phone_href(self):
        return tel_href(self.phone)

    @property
    def preferred_days_display(self):
        labels = dict(self.Weekday.choices)
        return ", ".join(str(labels.get(day, day)) for day in self.preferred_days) or "Any weekday"

    def emails(self):
        """The outbox's emails about this request, newest first."""
        return Email.objects.about(self.reference)

    def possible_duplicates(self):
        """Other open requests from the same phone number."""
        return type(self).objects.open().filter(phone=self.phone).exclude(pk=self.pk)

    def set_status(self, status):
        """Move to `status`. Scheduled needs a booking: ValidationError without one."""
        if status == self.Status.SCHEDULED and not self.has_booking:
            raise ValidationError(
                f"{self.reference} needs the appointment's date, time and location "
                "before it can be scheduled."
            )
        self.status = status
        if status == self.Status.CONTACTED and self.first_contacted_at is None:
            self.first_contacted_at = timezone.now()
        self.save()
