"""The front desk's spreadsheet of appointment requests (an admin action)."""

import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone

from core.access_record import Action, record_access

# Column heading -> what goes in it, in the order a spreadsheet shows them.
COLUMNS = {
    "Reference": lambda r: r.reference,
    "Received": lambda r: local_minute(r.created),
    "Status": lambda r: r.get_status_display(),
    "Assigned to": lambda r: r.assigned_to.get_username() if r.assigned_to else "",
    "First contacted": lambda r: local_minute(r.first_contacted_at),
    "First name": lambda r: r.first_name,
    "Last name": lambda r: r.last_name,
    "Date of birth": lambda r: r.date_of_birth or "",
    "Phone": lambda r: r.phone_display,
    "Email": lambda r: r.email,
    "Preferred contact": lambda r: r.get_preferred_contact_display(),
    "Language": lambda r: r.get_language_display(),
    "Location": lambda r: r.location or "",
    "Preferred days": lambda r: r.preferred_days_display,
    "Preferred time": lambda r: r.get_preferred_time_display(),
    "New patient": lambda r: r.new_or_returning,
    "Reason": lambda r: r.reason,
    "Treatments tried": lambda r: r.treatments_tried,
    "Referring provider": lambda r: r.referring_provider,
    "Insurance": lambda r: r.insurance,
    "Source article": lambda r: r.source_article or "",
}


def local_minute(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def spreadsheet_safe(value):
    """Stop a spreadsheet running patient-typed text such as "=HYPERLINK(...)" as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@admin.action(description="Export selected to CSV", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    """The selected requests as a CSV file that Excel opens as UTF-8, never cached."""
    # The access record names every exported request (issue 29).
    record_access(request, Action.EXPORTED, queryset.values_list("reference", flat=True))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="appointment-requests-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")  # so Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(COLUMNS)
    for obj in queryset.select_related("location", "assigned_to", "source_article"):
        writer.writerow([spreadsheet_safe(column(obj)) for column in COLUMNS.values()])
    return response
