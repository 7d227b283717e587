"""A clinic group's years of appointment requests, made up and written fast, for the
scale benchmark (scripts/bench_scale.py) and for trying upgrades on real-sized data.

    from clinic.scale_data import generate
    generate(requests=300_000, years=5)

Statuses follow the age of each request as a real inbox does (new ones from the last
day or two, contacted ones from the last weeks, the rest booked, declined, closed or
spam), about two contact attempts and one email per request, the history rows the
admin would have written (created, first contact, last status change; one per
contact attempt), bookings spread over the locations' working hours, and one patient
in five writing from the Spanish pages. Fictitious people only: example.org
addresses and numbers on the 555 exchange.

Rows go in with PostgreSQL's COPY. Each table's columns are read from the models at
run time, so the generator keeps working after a migration adds a column: a column
it does not know gets the field's default (or NULL).
"""

import io
import json
import random
import unicodedata
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from appointments.models import (
    AppointmentRequest,
    ContactAttempt,
    Location,
    VisitType,
)
from appointments.models.bookings import clinic_zone
from core.models import Email

Status = AppointmentRequest.Status
Outcome = ContactAttempt.Outcome


def names(text):
    return tuple(text.split())


FIRST_EN = names(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
    "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy "
    "Matthew Lisa Anthony Betty Mark Sandra Donald Ashley Steven Kimberly Paul Emily "
    "Andrew Donna"
)
LAST_EN = names(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
    "Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen "
    "King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter "
    "Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers "
    "Morgan Cooper"
)
FIRST_ES = names(
    "José María Juan Guadalupe Luis Rosa Carlos Ana Jorge Carmen Miguel Lucía Francisco "
    "Elena Antonio Sofía Manuel Isabel Pedro Teresa Alejandro Verónica Ricardo Adriana"
)
LAST_ES = names(
    "García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres "
    "Flores Rivera Gómez Díaz Cruz Morales Reyes Gutiérrez Ortiz Ramos Castillo Jiménez "
    "Vásquez Romero Herrera Medina Aguilar Vargas Castro Mendoza"
)
AREA_CODES = ("614", "380", "740", "937", "513", "419")
REASONS = (
    "Lower back pain for three months, worse when sitting.",
    "Neck pain and headaches since a car accident.",
    "Sciatica down the left leg, numbness in the foot.",
    "My doctor suggested a facet joint injection.",
    "Knee pain after surgery that has not improved.",
    "Dolor de espalda desde hace un año.",
    "Burning pain in both feet at night.",
    "Follow-up after radiofrequency ablation last year.",
)
TRIED = ("", "Physical therapy", "Ibuprofen and heat", "Two epidural injections", "Chiropractor")
INSURANCE = ("", "Acme Health PPO", "Medicare", "Medicaid", "Buckeye Health HMO", "Self-pay")
DAYS = ("mon", "tue", "wed", "thu", "fri")

# (age in days below which the row applies, [(status, weight), ...]): a real inbox.
STATUS_BY_AGE = (
    (2, [(Status.NEW, 60), (Status.CONTACTED, 25), (Status.SCHEDULED, 8), (Status.SPAM, 7)]),
    (
        14,
        [
            (Status.NEW, 2),
            (Status.CONTACTED, 30),
            (Status.SCHEDULED, 50),
            (Status.DECLINED, 6),
            (Status.CLOSED, 6),
            (Status.SPAM, 6),
        ],
    ),
    (
        60,
        [
            (Status.CONTACTED, 4),
            (Status.SCHEDULED, 64),
            (Status.DECLINED, 10),
            (Status.CLOSED, 16),
            (Status.SPAM, 6),
        ],
    ),
    (
        None,
        [(Status.SCHEDULED, 55), (Status.DECLINED, 12), (Status.CLOSED, 27), (Status.SPAM, 6)],
    ),
)
UNANSWERED = (Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.VOICEMAIL, Outcome.WRONG_NUMBER)


def pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def status_for(age_days, rng):
    for below, weighted in STATUS_BY_AGE:
        if below is None or age_days < below:
            return pick(rng, weighted)
    raise AssertionError


class Table:
    """Rows for one model's table, written with COPY (text format) when flushed."""

    def __init__(self, model, batch=50_000):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.columns = [f.column for f in self.fields]
        self.batch = batch
        self.buffer = io.StringIO()
        self.pending = 0
        self.written = 0

    def add(self, row):
        values = []
        for field in self.fields:
            if field.attname in row:
                value = row[field.attname]
            elif field.null:
                value = None
            else:
                value = field.get_default()
            values.append(copy_text(value))
        self.buffer.write("\t".join(values) + "\n")
        self.pending += 1
        if self.pending >= self.batch:
            self.flush()

    def flush(self):
        if not self.pending:
            return
        self.buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", self.buffer)
        self.written += self.pending
        self.buffer, self.pending = io.StringIO(), 0


def copy_text(value):
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")


def next_ids(*models):
    """The next free primary key of each model (history tables have their own)."""
    ids = []
    with connection.cursor() as cursor:
        for model in models:
            pk = model._meta.pk.column
            cursor.execute(
                f"SELECT COALESCE(MAX({pk}), 0) + 1 FROM {model._meta.db_table}"  # noqa: S608
            )
            ids.append(cursor.fetchone()[0])
    return ids


def reset_sequences(*models):
    with connection.cursor() as cursor:
        for model in models:
            table, pk = model._meta.db_table, model._meta.pk.column
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), "  # noqa: S608
                f"(SELECT COALESCE(MAX({pk}), 1) FROM {table}))"
            )


def staff_and_places(rng):
    """The front desk users, locations and visit types the rows refer to; made if missing."""
    User = get_user_model()
    desk = []
    for n in range(1, 7):
        user, created = User.objects.get_or_create(
            username=f"scale-desk-{n}", defaults={"is_staff": True, "first_name": f"Desk {n}"}
        )
        if created:
            user.set_unusable_password()
            user.save()
        desk.append(user.pk)
    names = ("Riverside", "Northgate", "Eastside", "Grove City", "Dublin")
    for order, name in enumerate(names, 1):
        Location.objects.get_or_create(
            slug=name.lower().replace(" ", "-"),
            defaults={
                "name": name,
                "address": f"{order * 100} Main Street\nColumbus, OH 43215",
                "phone": f"(614) 555-01{40 + order}",
                "order": order,
            },
        )
    for order, (name, minutes) in enumerate(
        (("New patient consultation", 45), ("Follow-up", 20), ("Procedure", 60)), 1
    ):
        VisitType.objects.get_or_create(name=name, defaults={"minutes": minutes, "order": order})
    locations = list(Location.objects.values_list("pk", flat=True))
    visit_types = list(VisitType.objects.values_list("pk", flat=True))
    return desk, locations, visit_types


def working_time(day, rng):
    """A quarter-hour between 8:00 and 16:45 on the clinic's `day`, aware."""
    minutes = rng.randrange(8 * 4, 17 * 4) * 15
    naive = datetime.combine(day, time(minutes // 60, minutes % 60))
    return timezone.make_aware(naive, clinic_zone())


def business_day_after(moment, days):
    day = timezone.localtime(moment, clinic_zone()).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def generate(requests=300_000, years=5, seed=26, now=None, log=None):
    """Add `requests` appointment requests received over the last `years` years, with
    their contact attempts, emails and history. Returns {table: rows written}.

    PostgreSQL only (COPY). Runs in one transaction: all or nothing."""
    rng = random.Random(seed)  # noqa: S311 made-up data, not secrets
    now = now or timezone.now()
    span = timedelta(days=365 * years)
    desk, locations, visit_types = staff_and_places(rng)
    History = AppointmentRequest.history.model
    AttemptHistory = ContactAttempt.history.model
    tables = {
        model: Table(model)
        for model in (AppointmentRequest, History, ContactAttempt, AttemptHistory, Email)
    }
    with transaction.atomic():
        ids = dict(zip(tables, next_ids(*tables), strict=True))
        taken = set(AppointmentRequest.objects.values_list("reference", flat=True))
        patients = []  # (first, last, phone, email, language): some come back
        for n in range(requests):
            created = now - span * (1 - (n + rng.random()) / requests)
            row = request_row(rng, created, now, desk, locations, visit_types, patients, taken)
            row["id"] = ids[AppointmentRequest]
            ids[AppointmentRequest] += 1
            attempts = attempt_rows(rng, row, desk)
            for attempt in attempts:
                attempt["id"] = ids[ContactAttempt]
                ids[ContactAttempt] += 1
                tables[ContactAttempt].add(attempt)
                tables[AttemptHistory].add(
                    history_of(
                        attempt, attempt["when"], "+", attempt["staff_id"], ids, AttemptHistory
                    )
                )
            tables[AppointmentRequest].add(row)
            for moment, fields, user in request_history(row, attempts):
                tables[History].add(history_of({**row, **fields}, moment, *user, ids, History))
            email = email_row(rng, row)
            email["id"] = ids[Email]
            ids[Email] += 1
            tables[Email].add(email)
            if log and n and n % 50_000 == 0:
                log(f"  {n} requests")
        for table in tables.values():
            table.flush()
        reset_sequences(*tables)
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return {model._meta.db_table: table.written for model, table in tables.items()}


def history_of(row, moment, history_type, user_id, ids, model):
    record = dict(row)
    record.update(
        history_id=ids[model],
        history_date=moment,
        history_type=history_type,
        history_user_id=user_id,
        history_change_reason=None,
    )
    ids[model] += 1
    return record


def ascii_name(name):
    """José -> jose: an address people type (Django's validator wants ASCII before @)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def request_row(rng, created, now, desk, locations, visit_types, patients, taken):
    age_days = (now - created).total_seconds() / 86400
    status = status_for(age_days, rng)
    if patients and rng.random() < 0.1:
        first, last, phone, email, language = rng.choice(patients)
    else:
        language = "es" if rng.random() < 0.2 else "en"
        firsts, lasts = (FIRST_ES, LAST_ES) if language == "es" else (FIRST_EN, LAST_EN)
        first, last = rng.choice(firsts), rng.choice(lasts)
        phone = f"+1{rng.choice(AREA_CODES)}555{rng.randrange(10_000):04d}"
        email = (
            f"{ascii_name(first)}.{ascii_name(last)}{rng.randrange(100)}@example.org"
            if rng.random() < 0.65
            else ""
        )
        patients.append((first, last, phone, email, language))
        if len(patients) > 5000:
            patients.pop(0)
    while True:
        reference = "AR-" + "".join(rng.choices(AppointmentRequest.REFERENCE_ALPHABET, k=5))
        if reference not in taken:
            taken.add(reference)
            break
    row = {
        "reference": reference,
        "status": status,
        "first_name": first,
        "last_name": last,
        "date_of_birth": f"{rng.randrange(1935, 2004)}-{rng.randrange(1, 13):02d}-"
        f"{rng.randrange(1, 29):02d}",
        "phone": phone,
        "email": email,
        "preferred_contact": "email" if email and rng.random() < 0.4 else "phone",
        "location_id": rng.choice(locations),
        "preferred_days": rng.sample(DAYS, rng.randrange(0, 4)),
        "preferred_time": rng.choice(("morning", "afternoon", "any")),
        "is_new_patient": rng.choice((True, True, False, None)),
        "reason": rng.choice(REASONS),
        "treatments_tried": rng.choice(TRIED),
        "insurance": rng.choice(INSURANCE),
        "consent": True,
        "language": language,
        "source_path": rng.choice(("", "", "/articles/sciatica/", "/es/articles/ciatica/")),
        "created": created,
        "updated": created,
        "status_changed_at": created,
        "unanswered_attempts": 0,
        "notes": "",
        "referring_provider": "",
    }
    if status != Status.NEW or rng.random() < 0.3:
        row["assigned_to_id"] = rng.choice(desk)
    if status == Status.SCHEDULED:
        day = business_day_after(created, rng.randrange(3, 30))
        row.update(
            appointment_at=working_time(day, rng),
            appointment_location_id=rng.choice(locations),
            visit_type_id=rng.choice(visit_types),
            booking_sequence=0,
        )
    return row


def attempt_rows(rng, row, desk):
    """The contact attempts, oldest first; sets the request's contact fields to match."""
    status, created = row["status"], row["created"]
    if status == Status.SPAM:
        return []
    if status == Status.NEW:
        count = rng.choice((0, 0, 0, 1, 2, 3))
    else:
        count = rng.choice((1, 1, 2, 2, 2, 3, 4))
    reached = status != Status.NEW
    attempts, when = [], created
    for n in range(count):
        when = when + timedelta(hours=rng.uniform(1, 30))
        last = n == count - 1
        outcome = Outcome.REACHED if (last and reached) else rng.choice(UNANSWERED)
        attempts.append(
            {
                "appointment_request_id": row["id"],
                "staff_id": rng.choice(desk),
                "when": when,
                "method": "phone",
                "outcome": outcome,
                "note": "",
            }
        )
    if attempts:
        row["first_contacted_at"] = attempts[0]["when"]
        row["status_changed_at"] = attempts[-1]["when"] + timedelta(minutes=5)
        row["updated"] = row["status_changed_at"]
        if not reached:
            row["unanswered_attempts"] = count
            row["call_back_by"] = business_day_after(when, 1)
    return attempts


def request_history(row, attempts):
    """(moment, fields as they were, (history_type, user)) for each snapshot."""
    first = {
        "status": Status.NEW,
        "first_contacted_at": None,
        "assigned_to_id": None,
        "appointment_at": None,
        "appointment_location_id": None,
        "visit_type_id": None,
        "booking_sequence": None,
        "status_changed_at": row["created"],
        "unanswered_attempts": 0,
        "call_back_by": None,
    }
    snapshots = [(row["created"], first, ("+", None))]
    if attempts:
        contacted = {**first, "first_contacted_at": attempts[0]["when"]}
        contacted["assigned_to_id"] = row.get("assigned_to_id")
        snapshots.append((attempts[0]["when"], contacted, ("~", attempts[0]["staff_id"])))
    if row["status"] != Status.NEW:
        snapshots.append((row["updated"], {}, ("~", row.get("assigned_to_id"))))
    return snapshots


def email_row(rng, row):
    """The front desk's notice of the new request: a reference, no patient data."""
    failed = rng.random() < 0.002
    return {
        "kind": "front_desk_new_request",
        "reference": row["reference"],
        "to": ["desk@example.org"],
        "subject": f"New appointment request {row['reference']}",
        "body": f"A new appointment request, {row['reference']}, is waiting in the admin.",
        "attachments": [],
        "status": Email.Status.FAILED if failed else Email.Status.SENT,
        "tries": 12 if failed else 1,
        "next_try_at": row["created"],
        "last_error": "SMTPServerDisconnected()" if failed else "",
        "created": row["created"],
        "sent_at": None if failed else row["created"] + timedelta(seconds=5),
    }
