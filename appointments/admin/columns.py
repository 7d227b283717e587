"""The columns and read-only fields of the appointment request admin: how each value
is shown to the front desk."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from appointments.admin.parts import (
    age,
    email_time,
    long_date,
)
from appointments.models import AppointmentRequest

Status = AppointmentRequest.Status


class RequestColumnsMixin:
    def action_checkbox(self, obj):
        # The same markup as Django's own, written directly: Django renders a form
        # widget through the template engine for each row, a third of a row's time.
        # (Its label in English, as the whole admin is.)
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            str(obj),
        )

    @admin.display(description="booking", ordering="appointment_at")
    def booking(self, obj):
        if obj.appointment_at is None:
            return None  # the admin shows its "-"
        when = timezone.localtime(obj.appointment_at)
        return format_html(
            '<time datetime="{}">{}</time><br>{}',
            when.isoformat(),
            date_format(when, "D M j, g:i A"),
            obj.appointment_location or "",
        )

    @admin.display(description="request")
    def summary(self, obj):
        parts = [
            format_html("<strong>{}</strong>", obj.reference),
            format_html("received {} ({})", long_date(obj.created), age(obj.created)),
        ]
        if obj.unanswered_attempts:
            parts.append(format_html("{} unanswered attempt(s)", obj.unanswered_attempts))
        return format_html(
            "{} {}", format_html_join(" · ", "{}", ((p,) for p in parts)), self.flags(obj)
        )

    @admin.display(description="unable to reach")
    def reach_hint(self, obj):
        if not obj.email:
            return (
                f"{obj.unanswered_attempts} unanswered attempts. The patient gave no email "
                "address: try a text, or a call at another time of day."
            )
        sent = (
            format_html(" Sent {}.", long_date(obj.unreached_email_sent_at))
            if obj.unreached_email_sent_at
            else ""
        )
        return format_html(
            '{} unanswered attempts.{} <button type="submit" class="button" formaction="{}" '
            'name="_tried_to_reach" value="1">Email “we tried to reach you”</button>',
            obj.unanswered_attempts,
            sent,
            reverse("admin:appointments_appointmentrequest_tried_to_reach", args=[obj.pk]),
        )

    @admin.display(description="confirmation")
    def booking_email_hint(self, obj):
        if obj.wants_email:
            return (
                "Saving a date, time and location books it (Scheduled) and emails the "
                "patient a confirmation with a calendar entry; a change or a cleared date too."
            )
        return (
            "Saving a date, time and location books it (Scheduled). The patient did not "
            "choose email: nothing is emailed, tell them by phone."
        )

    @admin.display(description="received", ordering="created")
    def received(self, obj):
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            obj.created.isoformat(),
            long_date(obj.created),
            age(obj.created),
        )

    @admin.display(description="received")
    def received_at(self, obj):
        return f"{long_date(obj.created)} ({age(obj.created)})"

    @admin.display(description="date of birth")
    def date_of_birth_and_age(self, obj):
        if obj.date_of_birth is None:
            return "Not given"
        born, today = obj.date_of_birth, timezone.localdate()
        years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return f"{date_format(born, 'F j, Y')} (age {years})"

    @admin.display(description="name", ordering="last_name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description="phone", ordering="phone")
    def phone_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.phone_href, obj.phone_display)

    @admin.display(description="contact by")
    def contact_preference(self, obj):
        how = obj.get_preferred_contact_display()
        if obj.preferred_contact == AppointmentRequest.ContactMethod.EMAIL and obj.email:
            return format_html('{}: <a href="mailto:{}">{}</a>', how, obj.email, obj.email)
        return how

    @admin.display(description="reason")
    def reason_text(self, obj):
        # A long reason scrolls in its box (focusable, for keyboards) instead of
        # pushing the call log and Save below the first screen.
        return format_html(
            '<div class="ar-reason" tabindex="0" role="region" aria-label="Reason">{}</div>',
            linebreaksbr(obj.reason, autoescape=True),
        )

    @admin.display(description="best times")
    def preferred_when(self, obj):
        return f"{obj.preferred_days_display} · {obj.get_preferred_time_display()}"

    @admin.display(description="new or returning", ordering="is_new_patient")
    def new_or_returning(self, obj):
        return obj.new_or_returning

    @admin.display(description="preferred days")
    def preferred_days_display(self, obj):
        return obj.preferred_days_display

    @admin.display(description="status", ordering="status")
    def status_and_flags(self, obj):
        return format_html("{}<br>{}", obj.get_status_display(), self.flags(obj))

    def flags(self, obj):
        badges = []
        if obj.prefers_other_language:
            badges.append(("language", f"Prefers {obj.get_language_display()}"))
        if obj.is_overdue:
            badges.append(("overdue", "Overdue"))
        call_back = obj.call_back_state
        if call_back == "today":
            badges.append(("call-back", "Call back today"))
        elif call_back == "overdue":
            badges.append(("overdue", "Call-back overdue"))
        if obj.is_unable_to_reach:
            badges.append(("unreached", "Unable to reach"))
        if obj.visit_is_past:
            badges.append(("past", "Visit day passed"))
        if getattr(obj, "has_open_duplicate", False):
            badges.append(("duplicate", "Possible duplicate"))
        if getattr(obj, "has_failed_email", False):
            badges.append(("failed", "Email failed"))
        return format_html_join(" ", '<span class="ar-badge ar-badge-{}">{}</span>', badges)

    @admin.display(description="possible duplicate")
    def duplicate_hint(self, obj):
        others = obj.possible_duplicates()
        if not others:
            return "No other open request from this phone number."
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a> ({}, received {})',
            (
                (
                    other.get_admin_url(),
                    other.reference,
                    other.get_status_display(),
                    date_format(timezone.localtime(other.created), "F j, Y"),
                )
                for other in others
            ),
        )
        return format_html(
            '<span class="ar-badge ar-badge-duplicate">Possible duplicate</span> '
            "Other open requests from this phone number: {}",
            links,
        )

    @admin.display(description="emails")
    def emails(self, obj):
        rows = [
            (email.get_status_display(), email.kind, email_time(email), email.last_error)
            for email in obj.emails()
        ]
        if not rows:
            return "None"
        return format_html_join(
            mark_safe("<br>"), '{}: {} ({}) <span class="ar-error">{}</span>', rows
        )

    @admin.display(description="source article")
    def source_article_link(self, obj):
        if obj.source_article is None:
            return "None"
        return format_html(
            '<a href="{}">{}</a>', obj.source_article.get_absolute_url(), obj.source_article
        )

    # Actions.
