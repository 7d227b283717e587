"""The pieces of the appointment request admin: filters, the call log, columns' helpers."""

import re
from datetime import timedelta

from django.contrib import admin
from django.db import models
from django.forms import MultiWidget, Textarea
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import capfirst
from django.utils.timesince import timesince

from appointments.models import AppointmentRequest, ContactAttempt

Status = AppointmentRequest.Status

# What the patient wrote: shown, never edited.
PATIENT_FIELDS = (
    "full_name",
    "date_of_birth_and_age",
    "phone_link",
    "email",
    "preferred_contact",
    "location",
    "preferred_days_display",
    "preferred_time",
    "new_or_returning",
    "reason",
    "treatments_tried",
    "referring_provider",
    "insurance",
    "consent",
)


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue")]

    def queryset(self, request, queryset):
        return queryset.overdue() if self.value() == "yes" else queryset


class ContactAttemptInline(admin.TabularInline):
    model = ContactAttempt
    fields = ("when", "method", "outcome", "note", "staff")
    readonly_fields = ("staff",)
    extra = 1
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 40})}}
    verbose_name_plural = "Contact attempts (the first one sets “first contacted”)"

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


def phone_digits(search_term):
    """The digits to match the end of stored numbers with, if the search is a phone
    number: the last 10 of a whole number (with or without the country code), or the
    7 of a local one. None for anything else, a reference or a name."""
    if re.search(r"[^\d\s().+-]", search_term):
        return None
    digits = re.sub(r"\D", "", search_term)
    if len(digits) < 7:
        return None
    return digits[-10:]


def status_action(status):
    """An admin action that moves the selected requests to `status`."""

    @admin.action(description=f"Mark selected as {status.label.lower()}", permissions=["change"])
    def action(modeladmin, request, queryset):
        for appointment_request in queryset:
            appointment_request.set_status(status)  # one by one, so history records each
        modeladmin.message_user(
            request, f"{len(queryset)} request(s) marked as {status.label.lower()}."
        )

    action.__name__ = f"mark_{status.value}"
    return action
