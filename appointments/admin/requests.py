from datetime import timedelta
from functools import partial

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from appointments.admin.parts import (
    PATIENT_FIELDS,
    ContactAttemptInline,
    OverdueFilter,
    age,
    email_time,
    long_date,
    phone_digits,
    status_action,
)
from appointments.export import export_csv
from appointments.models import AppointmentRequest
from appointments.report import article_report
from core.admin_history import ReadableHistoryMixin
from core.admin_lookups import OfferedLookupsOnlyMixin
from core.models import Email
from core.roles import FRONT_DESK

Status = AppointmentRequest.Status


@admin.register(AppointmentRequest)
class AppointmentRequestAdmin(OfferedLookupsOnlyMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    # What the front desk triages by comes first, so it shows on narrow screens too.
    list_display = (
        "reference",
        "status_and_flags",
        "received",
        "full_name",
        "phone_link",
        "assigned_to",
        "location",
        "new_or_returning",
    )
    list_display_links = ("reference", "full_name")
    list_filter = (
        "status",
        "location",
        "is_new_patient",
        ("assigned_to", admin.RelatedOnlyFieldListFilter),
        OverdueFilter,
    )
    list_select_related = ("location", "assigned_to")
    date_hierarchy = "created"
    search_fields = ("reference", "first_name", "last_name", "phone", "email")
    search_help_text = "Search by reference, name, phone or email."
    # New requests first (the oldest waiting longest on top), then the rest, oldest first.
    ordering = (Case(When(status=Status.NEW, then=Value(0)), default=Value(1)).asc(), "created")
    actions = [
        "assign_to_me",
        *(status_action(status) for status in Status if status != Status.NEW),
        export_csv,
    ]
    inlines = [ContactAttemptInline]
    readonly_fields = (
        "reference",
        "received_at",
        "duplicate_hint",
        *PATIENT_FIELDS,
        "source_article_link",
        "source_path",
        "first_contacted_at",
        "emails",
    )
    change_list_template = "appointments/admin/request_change_list.html"
    object_history_list_template = "appointments/admin/history_list.html"

    class Media:
        css = {"all": ["appointments/admin.css"]}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            # Only people who work requests: the front desk and the practice manager.
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_active=True, is_staff=True)
                .filter(Q(groups__name=FRONT_DESK) | Q(is_superuser=True))
                .distinct()
                .order_by("first_name", "username")
            )
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda user: user.get_full_name() or user.get_username()
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        # The email details matter only when sending failed; otherwise fold them away.
        emails_failed = obj is not None and obj.emails().failed_or_waiting().exists()
        return (
            (None, {"fields": ("reference", "received_at", "duplicate_hint")}),
            (
                "What the patient sent",
                {
                    "fields": PATIENT_FIELDS,
                    "description": "Exactly as the patient sent it. It cannot be changed here.",
                },
            ),
            ("Front desk", {"fields": ("status", "assigned_to", "first_contacted_at", "notes")}),
            (
                "Where they came from",
                {"fields": ("source_article_link", "source_path"), "classes": ("collapse",)},
            ),
            (
                "Emails",
                {
                    "fields": ("emails",),
                    "description": "Sent by the background worker; a failed try is retried "
                    "for about a day, then can be sent again from Emails.",
                    "classes": () if emails_failed else ("collapse",),
                },
            ),
        )

    def has_add_permission(self, request):
        return False  # requests come from patients, through the website form

    def get_queryset(self, request):
        others = AppointmentRequest.objects.open().filter(phone=OuterRef("phone"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_open_duplicate=Exists(others.exclude(pk=OuterRef("pk"))),
                has_failed_email=Exists(
                    Email.objects.filter(reference=OuterRef("reference"), status="failed")
                ),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        """Also find a phone number however it is typed: "(614) 555-0142", "614.555.0142",
        "+1 614 555 0142" or just "555-0142", although it is stored as +16145550142."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = phone_digits(search_term)
        if digits:
            results |= queryset.filter(phone__endswith=digits)
        return results, may_have_duplicates

    def changelist_view(self, request, extra_context=None):
        week_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        week_start -= timedelta(days=week_start.weekday())
        requests = AppointmentRequest.objects
        extra_context = {
            "counts": {
                "new": requests.filter(status=Status.NEW).count(),
                "overdue": requests.overdue().count(),
                "scheduled_this_week": requests.scheduled_since(week_start).count(),
            },
            "report_url": (
                reverse("admin:appointments_appointmentrequest_article_report")
                if request.user.is_superuser
                else None
            ),
            "title": "Appointment requests",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def save_formset(self, request, form, formset, change):
        # Stamp each new contact attempt with the staff member who logged it.
        for attempt in formset.save(commit=False):
            if attempt.pk is None:
                attempt.staff = request.user
            attempt.save()
        for attempt in formset.deleted_objects:
            attempt.delete()
        formset.save_m2m()

    # Columns and read-only fields.

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

    @admin.display(description="new or returning", ordering="is_new_patient")
    def new_or_returning(self, obj):
        return obj.new_or_returning

    @admin.display(description="preferred days")
    def preferred_days_display(self, obj):
        return obj.preferred_days_display

    @admin.display(description="status", ordering="status")
    def status_and_flags(self, obj):
        badges = []
        if obj.is_overdue:
            badges.append(("overdue", "Overdue"))
        if getattr(obj, "has_open_duplicate", False):
            badges.append(("duplicate", "Possible duplicate"))
        if getattr(obj, "has_failed_email", False):
            badges.append(("failed", "Email failed"))
        return format_html(
            "{}<br>{}",
            obj.get_status_display(),
            format_html_join(" ", '<span class="ar-badge ar-badge-{}">{}</span>', badges),
        )

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

    @admin.action(description="Assign selected to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        for appointment_request in queryset:
            appointment_request.assigned_to = request.user
            appointment_request.save()
        self.message_user(request, f"{len(queryset)} request(s) assigned to you.")

    # The managers' report.

    def get_urls(self):
        report = path(
            "report/articles/",
            self.admin_site.admin_view(partial(article_report, self)),
            name="appointments_appointmentrequest_article_report",
        )
        return [report, *super().get_urls()]
