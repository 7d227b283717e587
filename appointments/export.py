"""The front desk's spreadsheet of appointment requests (an admin action).

Streamed: rows are read from the database in chunks (a server-side cursor) and sent
as they are written, so any number of requests downloads in constant memory and
starts at once. Only the columns the spreadsheet shows are read; the source
article's title, never its body.
"""

import csv

from django.contrib import admin
from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone

from appointments.models import AppointmentRequest
from core.access_record import Action, record_access
from core.phone import display_phone

Request = AppointmentRequest
CHOICES = {
    "status": Request.Status.choices,
    "preferred_contact": Request.ContactMethod.choices,
    "language": Request.Language.choices,
    "preferred_time": Request.TimeOfDay.choices,
    "preferred_days": Request.Weekday.choices,
}
# Each label translated once per export (see csv_lines), not once per row.
LABELS = {}
NEW_OR_RETURNING = {True: "New", False: "Returning"}


def label(name):
    return lambda r: LABELS[name].get(r[name], r[name])


# Column heading -> what goes in it (from a row of FIELDS), in the order a spreadsheet
# shows them. Rows are plain values, not model instances: a tenth of the work each.
COLUMNS = {
    "Reference": lambda r: r["reference"],
    "Received": lambda r: local_minute(r["created"]),
    "Status": label("status"),
    "Assigned to": lambda r: r["assigned_to__username"] or "",
    "First contacted": lambda r: local_minute(r["first_contacted_at"]),
    "First name": lambda r: r["first_name"],
    "Last name": lambda r: r["last_name"],
    "Date of birth": lambda r: r["date_of_birth"] or "",
    "Phone": lambda r: display_phone(r["phone"]),
    "Email": lambda r: r["email"],
    "Preferred contact": label("preferred_contact"),
    "Language": label("language"),
    "Location": lambda r: r["location__name"] or "",
    "Preferred days": lambda r: (
        ", ".join(str(LABELS["preferred_days"].get(day, day)) for day in r["preferred_days"])
        or "Any weekday"
    ),
    "Preferred time": label("preferred_time"),
    "New patient": lambda r: NEW_OR_RETURNING.get(r["is_new_patient"], "Not said"),
    "Reason": lambda r: r["reason"],
    "Treatments tried": lambda r: r["treatments_tried"],
    "Referring provider": lambda r: r["referring_provider"],
    "Insurance": lambda r: r["insurance"],
    "Source article": lambda r: r["source_article__title"] or "",
}
# What the columns read, and nothing else (the source article's title, not its body).
FIELDS = (
    "reference",
    "created",
    "status",
    "assigned_to__username",
    "first_contacted_at",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
    "preferred_contact",
    "language",
    "location__name",
    "preferred_days",
    "preferred_time",
    "is_new_patient",
    "reason",
    "treatments_tried",
    "referring_provider",
    "insurance",
    "source_article__title",
)
CHUNK_ROWS = 2000


def local_minute(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def spreadsheet_safe(value):
    """Stop a spreadsheet running patient-typed text such as "=HYPERLINK(...)" as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class Line:
    """A file-like object for csv.writer that hands back what was written."""

    def write(self, text):
        return text


def csv_lines(queryset):
    """The file, line by line: Excel's UTF-8 mark, the headings, then each request."""
    writer = csv.writer(Line())
    LABELS.update(
        {name: {value: str(text) for value, text in choices} for name, choices in CHOICES.items()}
    )
    yield "\ufeff" + writer.writerow(COLUMNS)
    rows = queryset.order_by("pk").values(*FIELDS).iterator(chunk_size=CHUNK_ROWS)
    # Inside a transaction PostgreSQL hands the cursor's rows over as it finds them;
    # in autocommit Django's cursor is WITH HOLD, which reads every row before the first.
    with transaction.atomic():
        for obj in rows:
            yield writer.writerow([spreadsheet_safe(column(obj)) for column in COLUMNS.values()])


@admin.action(description="Export selected to CSV", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    """The selected requests as a CSV file that Excel opens as UTF-8, never cached."""
    # The list's annotations (duplicates, failed emails) are not in the file.
    queryset = queryset.model.objects.filter(pk__in=queryset.values("pk"))
    # The access record names every exported request (issue 29).
    record_access(request, Action.EXPORTED, queryset.values_list("reference", flat=True))
    response = StreamingHttpResponse(csv_lines(queryset), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="appointment-requests-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
