"""The front desk's spreadsheet of appointment requests (an admin action).

PostgreSQL writes the file: each column is worked out in SQL (labels, the clinic's
local times, phone numbers as people write them, the formula guard) and `COPY ...
TO STDOUT` hands over the CSV text, a range of ids at a time, which is streamed as it
comes. Python only passes bytes on, so 300,000 requests take seconds, in constant
memory, well inside a worker's timeout. Only the columns the file shows are read;
the source article's title, never its body.
"""

import csv
import io

from django.contrib import admin
from django.db import connection
from django.db.models import Case, F, Func, Max, Min, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, Substr
from django.http import StreamingHttpResponse
from django.utils import timezone

from appointments.models import AppointmentRequest
from core.access_record import Action, record_access

Request = AppointmentRequest
# Ids per COPY: each range's rows are in memory once (about 2.5 MB), then sent.
CHUNK_IDS = 10_000
# An export of more requests than this is recorded by its filter and count rather than
# every reference (see export_csv).
RECORD_REFERENCES_UP_TO = 1_000
# What a spreadsheet would run as a formula when it starts a cell.
FORMULA_START = "^([=+@\t\r-])"


def safe(expression):
    """The text with a quote before a leading = + - @ tab or return, so that a
    spreadsheet never runs patient-typed text such as "=HYPERLINK(...)" as a formula.
    (An empty text is written as an empty cell, not as "".)"""
    guarded = Func(
        Cast(expression, TextField()),
        Value(FORMULA_START),
        Value("'\\1"),
        function="regexp_replace",
        output_field=TextField(),
    )
    return Func(guarded, Value(""), function="NULLIF", output_field=TextField())


def label(name, choices):
    """The choice's label ("Contacted"), or the stored value if it is not a choice."""
    return Case(
        *(When(**{name: value}, then=Value(str(text))) for value, text in choices),
        default=safe(F(name)),  # a stored value that is no choice (an import, the shell)
        output_field=TextField(),
    )


def local(name, pattern):
    """The moment in the clinic's time zone, as to_char's `pattern` writes it."""
    here = Func(Value(timezone.get_current_timezone_name()), F(name), function="timezone")
    return Func(here, Value(pattern), function="to_char", output_field=TextField())


def phone():
    """A North American number as (614) 555-0142, any other as stored (+44...)."""
    digits = [Substr("phone", start, length) for start, length in ((3, 3), (6, 3), (9, 4))]
    return Case(
        When(
            phone__regex=r"^\+1[2-9][0-9]{9}$",
            then=Concat(
                Value("("), digits[0], Value(") "), digits[1], Value("-"), digits[2],
                output_field=TextField(),
            ),
        ),
        default=F("phone"),
        output_field=TextField(),
    )  # fmt: skip


def preferred_days():
    """The JSON list of days as "Monday, Wednesday", or "Any weekday" when empty."""
    choices = Request.Weekday.choices
    whens = " ".join("WHEN %s THEN %s" for _ in choices)
    column = f'"{Request._meta.db_table}"."preferred_days"'
    # Only constant text and the table's name in the SQL; the labels are parameters.
    return RawSQL(  # noqa: S611
        f"CASE WHEN jsonb_typeof({column}) = 'array' AND jsonb_array_length({column}) > 0 "  # noqa: S608
        # A day that is no choice is written with the formula guard (safe() in SQL).
        f"THEN (SELECT string_agg(CASE day {whens} ELSE regexp_replace(day, %s, %s) END, "
        "', ' ORDER BY n) "
        f"FROM jsonb_array_elements_text({column}) WITH ORDINALITY AS d(day, n)) "
        "ELSE %s END",
        [
            *(part for value, text in choices for part in (value, str(text))),
            FORMULA_START,
            "'\\1",
            "Any weekday",
        ],
        output_field=TextField(),
    )


def columns():
    """Column heading -> its SQL, in the order a spreadsheet shows them."""
    return {
        "Reference": F("reference"),
        "Received": local("created", "YYYY-MM-DD HH24:MI"),
        "Status": label("status", Request.Status.choices),
        "Assigned to": safe(F("assigned_to__username")),
        "First contacted": local("first_contacted_at", "YYYY-MM-DD HH24:MI"),
        "First name": safe(F("first_name")),
        "Last name": safe(F("last_name")),
        "Date of birth": Func(
            F("date_of_birth"), Value("YYYY-MM-DD"), function="to_char", output_field=TextField()
        ),
        "Phone": safe(phone()),
        "Email": safe(F("email")),
        "Preferred contact": label("preferred_contact", Request.ContactMethod.choices),
        "Language": label("language", Request.Language.choices),
        "Location": safe(F("location__name")),
        "Preferred days": preferred_days(),
        "Preferred time": label("preferred_time", Request.TimeOfDay.choices),
        "New patient": Case(
            When(is_new_patient=True, then=Value("New")),
            When(is_new_patient=False, then=Value("Returning")),
            default=Value("Not said"),
            output_field=TextField(),
        ),
        "Reason": safe(F("reason")),
        "Treatments tried": safe(F("treatments_tried")),
        "Referring provider": safe(F("referring_provider")),
        "Insurance": safe(F("insurance")),
        "Source article": safe(F("source_article__title")),
    }


def csv_chunks(selected):
    """The file in pieces (bytes): Excel's UTF-8 mark and the headings, then the rows of
    each range of CHUNK_IDS ids, in id order, as PostgreSQL's COPY writes them.
    `selected`: the requests to export (any queryset of them)."""
    found = columns()
    heading = io.StringIO()
    csv.writer(heading, lineterminator="\n").writerow(found)
    yield ("\ufeff" + heading.getvalue()).encode()
    names = {f"col{n}": expression for n, expression in enumerate(found.values())}
    with connection.cursor() as cursor:
        ids = selected.aggregate(first=Min("pk"), last=Max("pk"))
        if ids["first"] is None:
            return
        for start in range(ids["first"], ids["last"] + 1, CHUNK_IDS):
            within = {"pk__gte": start, "pk__lt": start + CHUNK_IDS}
            # Only the selection (without the list's annotations), one range of it.
            part = (
                Request.objects.filter(pk__in=selected.filter(**within).values("pk"), **within)
                .annotate(**names)
                .values_list(*names)
                .order_by("pk")
            )
            sql, params = part.query.sql_with_params()
            copy = cursor.mogrify(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params)
            buffer = io.BytesIO()
            cursor.copy_expert(copy.decode(), buffer)
            if buffer.tell():
                yield buffer.getvalue()


def export_filters(request):
    """What the list was narrowed to, for the access record: its filters, not the
    search text (which may be a patient's name), e.g. "status__exact=closed; search"."""
    parts = [
        f"{name}={value}"
        for name, value in request.GET.items()
        if name not in ("q", "p", "o", "_changelist_filters")
    ]
    if request.GET.get("q"):
        parts.append("search")
    return "; ".join(parts) or "none"


def wide_export_detail(request, room=100):
    """The record's description of a wide export within `room` characters (the detail
    column's size): whole filters only, "…" for any left out, never one cut short."""
    text = "all matching; filters:"
    for part in export_filters(request).split("; "):
        if len(text) + 1 + len(part) + 2 > room:
            return text + " …"
        text += " " + part if text.endswith(":") else "; " + part
    return text


@admin.action(description="Export selected to CSV", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    """The selected requests as a CSV file that Excel opens as UTF-8, never cached."""
    # The access record (issue 29): up to RECORD_REFERENCES_UP_TO requests, each one's
    # reference; beyond, the list's filters and the count (README, "Staff sign-in and
    # the access record": an export of every request would otherwise write megabytes
    # into one row, which every request page's "who has looked" would then read).
    # The file holds what the record says: the requests named, or those matching with
    # an id no higher than the last one at the moment of the record (one received while
    # the file streams is not in it).
    count = queryset.count()
    if count <= RECORD_REFERENCES_UP_TO:
        named = dict(queryset.values_list("pk", "reference"))
        record_access(request, Action.EXPORTED, named.values())
        exported = Request.objects.filter(pk__in=list(named))
    else:
        last = queryset.aggregate(last=Max("pk"))["last"]
        record_access(request, Action.EXPORTED, [], detail=wide_export_detail(request), count=count)
        exported = queryset.filter(pk__lte=last)
    response = StreamingHttpResponse(csv_chunks(exported), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="appointment-requests-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
