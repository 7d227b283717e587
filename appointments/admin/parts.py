"""The pieces of the appointment request admin: filters, the call log, columns' helpers."""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.forms import MultiWidget, Textarea
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.timesince import timesince

from appointments.admin.booking import ContactAttemptForm
from appointments.models import AppointmentRequest, ContactAttempt
from appointments.models.bookings import clinic_date
from appointments.notifications import queue_booking_cancellation, queue_booking_confirmation
from core.roles import FRONT_DESK

Status = AppointmentRequest.Status

# What the patient wrote: shown, never edited. Who to call, how and what about come
# first, on the request page's first screen (PATIENT_FIRST); the rest under the work.
PATIENT_FIRST = (
    "full_name",
    "phone_link",
    "contact_preference",
    "preferred_when",
    "reason_text",
)
PATIENT_FIELDS = (
    "date_of_birth_and_age",
    "email",
    "preferred_contact",
    "language",
    "location",
    "preferred_days_display",
    "preferred_time",
    "new_or_returning",
    "treatments_tried",
    "referring_provider",
    "insurance",
    "consent",
)


class RequestChangeList(ChangeList):
    """The request list, whose row links carry its filters (so that saving a request
    goes back to the same filtered list) written on once per row. Django's own way,
    add_preserved_filters() on each link, resolves every row's address against the
    whole URLconf to learn that it is not the list itself: two links a row, 40% of a
    filtered page's time at 50 rows (`make bench-scale`). The links are the same."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_filters, self.preserved_filters = self.preserved_filters, ""

    def url_for_result(self, result):
        url = super().url_for_result(result)
        return f"{url}?{self.row_filters}" if self.row_filters else url


class CappedCountPaginator(Paginator):
    """Counts the matching requests only up to COUNT_CAP + 1: a filter that matches
    60,000 of 300,000 requests reads 1,001 of them to say "more than 1,000" rather
    than all of them to say 60,000. Pages go as far as the count (21 pages of 50):
    past that, a filter or a search finds a request sooner than paging, and each
    deeper page costs more (the rows before it are read too)."""

    COUNT_CAP = 1_000

    @cached_property
    def count(self):
        # Primary keys only, in no order: neither the list's per-row annotations nor
        # its order are worked out to count.
        return self.object_list.order_by().values("pk")[: self.COUNT_CAP + 1].count()

    @property
    def more_than(self):
        """COUNT_CAP when there are more matches than it, else None."""
        return self.COUNT_CAP if self.count > self.COUNT_CAP else None


def front_desk_staff():
    """Who works requests: active staff of the front desk, and the practice manager."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__name=FRONT_DESK) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "username")
    )


class AssignedToFilter(admin.RelatedFieldListFilter):
    """Assigned to: the people who work requests, without reading every request to
    find who has some (the related-only filter's DISTINCT over the whole table)."""

    def field_choices(self, field, request, model_admin):
        return [
            (user.pk, user.get_full_name() or user.get_username()) for user in front_desk_staff()
        ]


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue")]

    def queryset(self, request, queryset):
        return queryset.overdue() if self.value() == "yes" else queryset


class CallBackFilter(admin.SimpleListFilter):
    title = "call back"
    parameter_name = "call_back"

    def lookups(self, request, model_admin):
        return [("today", "Due today"), ("overdue", "Overdue"), ("due", "Due today or overdue")]

    def queryset(self, request, queryset):
        if self.value() == "today":
            return queryset.call_back_due_today()
        if self.value() == "overdue":
            return queryset.call_back_overdue()
        if self.value() == "due":
            return queryset.waiting_for_call_back().filter(call_back_by__lte=clinic_date())
        return queryset


class UnreachedFilter(admin.SimpleListFilter):
    title = "unable to reach"
    parameter_name = "unreached"

    def lookups(self, request, model_admin):
        return [("yes", "Unable to reach")]

    def queryset(self, request, queryset):
        return queryset.unable_to_reach() if self.value() == "yes" else queryset


class OpenFilter(admin.SimpleListFilter):
    title = "open or finished"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "Open (not finished)")]

    def queryset(self, request, queryset):
        return queryset.open() if self.value() == "yes" else queryset


def booked_days(which, today=None):
    """The clinic's days (first, last) of "today", "tomorrow" or "week" (Monday to
    Sunday of this week); None for anything else."""
    today = today or clinic_date()
    if which == "today":
        return today, today
    if which == "tomorrow":
        tomorrow = today + timedelta(days=1)
        return tomorrow, tomorrow
    if which == "week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    return None


class BookedFilter(admin.SimpleListFilter):
    title = "booked for"
    parameter_name = "booked"

    def lookups(self, request, model_admin):
        return [("today", "Today"), ("tomorrow", "Tomorrow"), ("week", "This week")]

    def queryset(self, request, queryset):
        days = booked_days(self.value())
        return queryset.booked_between(*days) if days else queryset


class ContactAttemptInline(admin.TabularInline):
    model = ContactAttempt
    form = ContactAttemptForm
    fields = ("when", "method", "outcome", "note", "staff")
    readonly_fields = ("staff",)
    extra = 1
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 40})}}
    verbose_name_plural = "Log a call (calls and messages so far, then a new one)"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A tabular inline shows labels only as column headings: name each input too,
        # for screen readers. (The date and time inputs have their own labels.)
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and not isinstance(field.widget, MultiWidget):
            field.widget.attrs.setdefault("aria-label", capfirst(db_field.verbose_name))
        return field


def email_time(email):
    if email.sent_at:
        return f"sent {long_date(email.sent_at)}"
    return f"try {email.tries + 1} at {long_date(email.next_try_at)}"


def long_date(moment):
    return date_format(timezone.localtime(moment), "l, F j, Y, P")


def age(moment):
    """How long ago, roughly: "3 hours ago", or "just now"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


def status_action(status):
    """An admin action that moves the selected requests to `status`."""

    @admin.action(description=f"Mark selected as {status.label.lower()}", permissions=["change"])
    def action(modeladmin, request, queryset):
        done, refused, emailed, cancelled = 0, [], 0, 0
        for appointment_request in queryset:
            try:
                appointment_request.set_status(status)  # one by one, so history records each
            except ValidationError:
                refused.append(appointment_request.reference)
                continue
            done += 1
            if appointment_request.booking_changed:
                emailed += queue_booking_confirmation(appointment_request) is not None
            if appointment_request.cancelled_booking:
                cancelled += queue_booking_cancellation(appointment_request) is not None
        if done:
            message = f"{done} request(s) marked as {status.label.lower()}."
            if emailed:
                message += f" {emailed} booking confirmation(s) queued to be emailed."
            if cancelled:
                message += f" {cancelled} cancellation(s) queued to be emailed."
            modeladmin.message_user(request, message)
        if refused:
            modeladmin.message_user(
                request,
                f"Not scheduled, no booking yet: {', '.join(refused)}. Open each request and "
                "enter the appointment's date, time and location, then save.",
                messages.ERROR,
            )

    action.__name__ = f"mark_{status.value}"
    return action
