from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef
from django.forms import Textarea
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from appointments.admin.access import RecordsAccessMixin
from appointments.admin.booked import booked_view
from appointments.admin.booking import RequestForm, say_what_the_booking_sent, time_zone_note
from appointments.admin.columns import RequestColumnsMixin
from appointments.admin.home import workload
from appointments.admin.parts import (
    PATIENT_FIELDS,
    PATIENT_FIRST,
    AssignedToFilter,
    BookedFilter,
    CallBackFilter,
    CappedCountPaginator,
    ContactAttemptInline,
    OpenFilter,
    OverdueFilter,
    RequestChangeList,
    UnreachedFilter,
    front_desk_staff,
    status_action,
)
from appointments.export import export_csv
from appointments.models import AppointmentRequest
from appointments.models.requests import NEW_FIRST
from appointments.notifications import queue_unreached_email
from appointments.report import article_report
from core.admin_history import ReadableHistoryMixin
from core.admin_lookups import OfferedLookupsOnlyMixin
from core.models import Email

Status = AppointmentRequest.Status

# The request page's sections (see get_fieldsets).
BOOKING = {
    "fields": (
        "appointment_at",
        "appointment_location",
        "clinician",
        "visit_type",
        "booking_email_hint",
    ),
    "classes": ("ar-panel", "aligned"),
}
PATIENT = {"fields": PATIENT_FIRST, "classes": ("ar-panel", "aligned", "ar-patient")}
PATIENT_SENT = {
    "fields": ("duplicate_hint", *PATIENT_FIELDS),
    "description": "Exactly as the patient sent it. It cannot be changed here.",
}
RECORD = {
    "fields": (
        "reference",
        "received_at",
        "first_contacted_at",
        "source_article_link",
        "source_path",
    ),
    "classes": ("collapse",),
}
EMAILS = {
    "fields": ("emails",),
    "description": "Sent by the background worker; a failed try is retried for about a "
    "day, then can be sent again from Emails.",
}


@admin.register(AppointmentRequest)
class AppointmentRequestAdmin(
    RecordsAccessMixin,  # the access record: who opened which request (issue 29)
    RequestColumnsMixin,
    OfferedLookupsOnlyMixin,
    ReadableHistoryMixin,
    SimpleHistoryAdmin,
):
    # What the front desk triages by comes first, so it shows on narrow screens too.
    list_display = (
        "reference",
        "status_and_flags",
        "booking",
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
        "language",
        "is_new_patient",
        ("assigned_to", AssignedToFilter),
        OverdueFilter,
        CallBackFilter,
        UnreachedFilter,
        BookedFilter,
        OpenFilter,
    )
    list_select_related = ("location", "assigned_to", "appointment_location")
    # No date_hierarchy: its drill-down reads every row's year on each load. No count
    # of all requests beside each filtered count either (one count per page is enough).
    show_full_result_count = False
    paginator = CappedCountPaginator
    # Each row costs about a millisecond to draw (its columns, flags and checkbox): 50
    # keep the page quick, and new requests come first, so today's work is on page 1.
    list_per_page = 50
    # Counts beside every filter choice would count the whole table once per choice.
    show_facets = admin.ShowFacets.NEVER
    # Searched by AppointmentRequestQuerySet.search() (get_search_results); the admin
    # shows its search box when this is set.
    search_fields = ("reference", "first_name", "last_name", "email", "phone")
    search_help_text = (
        "Search by reference, name, email, or phone number or any part of it (614-555, 0142)."
    )
    # New requests first (the oldest waiting longest on top), then the rest, oldest
    # first; the index appointment_new_first has this order.
    ordering = (NEW_FIRST.asc(), "created")
    actions = [
        "assign_to_me",
        *(status_action(status) for status in Status if status != Status.NEW),
        "send_tried_to_reach",
        export_csv,
    ]
    inlines = [ContactAttemptInline]
    readonly_fields = (
        "reference",
        "summary",
        "reach_hint",
        "booking_email_hint",
        "received_at",
        "duplicate_hint",
        *PATIENT_FIRST,
        *PATIENT_FIELDS,
        "source_article_link",
        "source_path",
        "first_contacted_at",
        "emails",
    )
    form = RequestForm
    change_list_template = "appointments/admin/request_change_list.html"
    change_form_template = "appointments/admin/request_change_form.html"
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 40})}}
    object_history_list_template = "appointments/admin/history_list.html"

    class Media:
        css = {"all": ["appointments/admin.css"]}

    def get_changelist(self, request, **kwargs):
        return RequestChangeList

    def get_ordering(self, request):
        # Within one status "new first" orders nothing: by received alone, the page is
        # read straight off the (status, created) index, wherever that status's
        # requests are in the table (Contacted ones are all recent).
        if request.GET.get("status__exact"):
            return ("created",)
        return super().get_ordering(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            # Only people who work requests: the front desk and the practice manager.
            kwargs["queryset"] = front_desk_staff()
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda user: user.get_full_name() or user.get_username()
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        # The work first: who to call, the front desk panel and the booking
        # (request_change_form.html puts the call log and Save right after these three),
        # then the rest of what the patient sent, then the record. The email details matter
        # only when sending failed; otherwise they are folded away.
        front_desk = ["summary", "status", "assigned_to", "call_back_by"]
        if obj is not None and obj.is_unable_to_reach:
            front_desk.append("reach_hint")
        emails_failed = obj is not None and obj.emails().failed_or_waiting().exists()
        emails = {**EMAILS, "classes": () if emails_failed else ("collapse",)}
        return (
            ("Patient", PATIENT),
            ("Front desk", {"fields": (*front_desk, "notes"), "classes": ("ar-panel", "aligned")}),
            ("Booking", BOOKING),
            ("What the patient sent", PATIENT_SENT),
            ("Where they came from", RECORD),
            ("Emails", emails),
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
        """A reference, words of a name or email, or a phone number or any part of it
        however typed: "(614) 555-0142", "+1 614…", "614-555", "555-0142"; stored as
        +16145550142. One query shape per form, each on an index."""
        return queryset.search(search_term), False

    def changelist_view(self, request, extra_context=None):
        tiles = workload(request.user)
        extra_context = {
            "tiles": tiles,
            "counts": {name: tile["count"] for name, tile in tiles.items()},
            "booked_url": reverse("admin:appointments_appointmentrequest_booked"),
            "report_url": (
                reverse("admin:appointments_appointmentrequest_article_report")
                if request.user.is_superuser
                else None
            ),
            "title": "Appointment requests",
            **(extra_context or {}),
        }
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl")
        if cl is not None and cl.paginator.more_than:
            # Selecting "all" acts on every match, however many: say so, not a number.
            response.context_data["selection_note_all"] = (
                f"All selected: every matching request (more than {cl.paginator.more_than:,})"
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The reference heads the front desk panel: no second heading repeating it.
        extra_context = {
            "time_zone_note": time_zone_note(),
            "subtitle": "",
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        say_what_the_booking_sent(self, request, obj)

    def save_formset(self, request, form, formset, change):
        # Stamp each new contact attempt with the staff member who logged it, and say
        # what it changed ("Logged a voicemail; the request stays New; call back by ...").
        # Whoever logs a call on an unassigned request is now looking after it.
        for attempt in formset.save(commit=False):
            adding = attempt.pk is None
            if adding:
                attempt.staff = request.user
            attempt.save()
            if adding and getattr(attempt, "effect", None):
                self.message_user(request, attempt.effect)
            if adding and form.instance.assigned_to_id is None:
                form.instance.assigned_to = request.user
                form.instance.save(update_fields=["assigned_to", "updated"])
                self.message_user(request, f"{form.instance} is now assigned to you.")
        for attempt in formset.deleted_objects:
            attempt.delete()
        formset.save_m2m()

    # Columns and read-only fields.

    @admin.action(description="Assign selected to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        for appointment_request in queryset:
            appointment_request.assigned_to = request.user
            appointment_request.save()
        self.message_user(request, f"{len(queryset)} request(s) assigned to you.")

    @admin.action(
        description="Email “we tried to reach you” to selected (unable to reach)",
        permissions=["change"],
    )
    def send_tried_to_reach(self, request, queryset):
        sent, skipped = 0, []
        for appointment_request in queryset:
            if appointment_request.is_unable_to_reach and appointment_request.email:
                queue_unreached_email(appointment_request)
                sent += 1
            else:
                skipped.append(appointment_request.reference)
        if sent:
            self.message_user(request, f"“We tried to reach you” emailed for {sent} request(s).")
        if skipped:
            self.message_user(
                request,
                f"Not emailed (not flagged Unable to reach, or no email address): "
                f"{', '.join(skipped)}.",
                messages.WARNING,
            )

    def tried_to_reach_view(self, request, object_id):
        """The request page's button: the "we tried to reach you" email, one click."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = get_object_or_404(AppointmentRequest, pk=object_id)
        if obj.is_unable_to_reach and obj.email:
            queue_unreached_email(obj)
            self.message_user(request, f"“We tried to reach you” emailed for {obj}.")
        else:
            self.message_user(
                request,
                f"No email sent: {obj} is not flagged Unable to reach, or has no email address.",
                messages.WARNING,
            )
        return HttpResponseRedirect(obj.get_admin_url())

    # The managers' report.

    def get_urls(self):
        report = path(
            "report/articles/",
            self.admin_site.admin_view(partial(article_report, self)),
            name="appointments_appointmentrequest_article_report",
        )
        booked = path(
            "booked/",
            self.admin_site.admin_view(partial(booked_view, self)),
            name="appointments_appointmentrequest_booked",
        )
        tried_to_reach = path(
            "<path:object_id>/tried-to-reach/",
            self.admin_site.admin_view(self.tried_to_reach_view),
            name="appointments_appointmentrequest_tried_to_reach",
        )
        return [report, booked, tried_to_reach, *super().get_urls()]
