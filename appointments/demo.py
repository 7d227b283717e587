"""Demo locations for `manage.py seed_demo` (fictional addresses and 555-01xx numbers)."""

from datetime import date, time

from django.utils import timezone

from appointments.models import Closure, Location, OpeningHours

WEEKDAYS = range(0, 5)

DEMO_LOCATIONS = [
    {
        "slug": "riverside",
        "name": "Riverside",
        "address": "120 River Road, Suite 200\nColumbus, OH 43215",
        "phone": "(614) 555-0142",
        "hours": "Closed on public holidays.",
        "order": 1,
        # (weekdays, opens, closes)
        "opening_hours": [(WEEKDAYS, time(8), time(17))],
    },
    {
        "slug": "northgate",
        "name": "Northgate",
        "address": "45 Northgate Plaza\nWesterville, OH 43081",
        "phone": "(614) 555-0177",
        "hours": "Closed on public holidays.",
        "order": 2,
        "opening_hours": [(range(0, 4), time(9), time(18)), ([4], time(9), time(13))],
    },
]


def seed_locations():
    """Create or update the demo locations; return how many were created."""
    created = 0
    for data in DEMO_LOCATIONS:
        data = dict(data)
        openings = data.pop("opening_hours")
        location, was_created = Location.objects.update_or_create(slug=data["slug"], defaults=data)
        location.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, weekday=day, opens=opens, closes=closes)
            for days, opens, closes in openings
            for day in days
        )
        # A dated closure to show on the locations page: the coming Christmas Day.
        today = timezone.localdate()
        christmas = date(today.year, 12, 25)
        if christmas < today:
            christmas = christmas.replace(year=today.year + 1)
        Closure.objects.update_or_create(
            location=location,
            reason="Christmas Day",
            defaults={"first_day": christmas, "last_day": christmas, "reason_es": "Navidad"},
        )
        created += was_created
    return created


# A working week's inbox: every status, overdue ones, call attempts, call-backs due
# today, a possible duplicate phone and one booked for tomorrow. Fictitious people:
# 555-01xx numbers, example.org addresses. (key, received days ago, fields, attempts
# as (days ago, outcome), call back in days from today or None, booking or None)
DEMO_REQUESTS = [
    ("01", 0.1, {"first_name": "Avery", "last_name": "Demo-Brook", "phone": "+16145550101",
                 "email": "avery@example.org", "preferred_contact": "email"}, [], None, None),
    ("02", 1.3, {"first_name": "Blake", "last_name": "Demo-Cole", "phone": "+16145550102"},
     [], None, None),
    ("03", 3, {"first_name": "Casey", "last_name": "Demo-Dunn", "phone": "+16145550103",
               "email": "casey@example.org"}, [], None, None),
    ("04", 2, {"first_name": "Devon", "last_name": "Demo-Ellis", "phone": "+16145550104"},
     [(1, "voicemail")], 0, None),
    ("05", 5, {"first_name": "Emery", "last_name": "Demo-Ford", "phone": "+16145550105",
               "email": "emery@example.org"},
     [(4, "no_answer"), (3, "voicemail"), (2, "voicemail")], -1, None),
    ("06", 6, {"first_name": "Finley", "last_name": "Demo-Grant", "phone": "+16145550106",
               "status": "contacted", "assigned": True}, [(5, "reached")], None, None),
    ("07", 7, {"first_name": "Gray", "last_name": "Demo-Hale", "phone": "+16145550107",
               "status": "contacted"}, [(6, "reached"), (1, "no_answer")], 0, None),
    ("08", 8, {"first_name": "Harper", "last_name": "Demo-Irving", "phone": "+16145550108",
               "email": "harper@example.org", "preferred_contact": "email",
               "status": "scheduled", "assigned": True},
     [(7, "reached")], None, (1, "10:30", "riverside", "New patient consultation")),
    ("09", 9, {"first_name": "Indigo", "last_name": "Demo-James", "phone": "+16145550109",
               "status": "scheduled"},
     [(8, "reached")], None, (0, "15:00", "northgate", "Follow-up")),
    ("10", 10, {"first_name": "Jordan", "last_name": "Demo-Kent", "phone": "+16145550110",
                "status": "declined"}, [(9, "reached")], None, None),
    ("11", 12, {"first_name": "Kai", "last_name": "Demo-Lane", "phone": "+16145550111",
                "status": "closed"}, [(11, "reached")], None, None),
    ("12", 13, {"first_name": "Lee", "last_name": "Demo-Moss", "phone": "+16145550112",
                "status": "spam"}, [], None, None),
    # The same phone as 06: the list flags both as a possible duplicate.
    ("13", 0.8, {"first_name": "Finley", "last_name": "Demo-Grant", "phone": "+16145550106",
                 "assigned": True}, [], None, None),
]  # fmt: skip


def seed_requests(assignee=None):
    """Create the demo inbox (DEMO_REQUESTS) or bring it up to date with today: the
    same requests, their times moved so "today" and "tomorrow" stay true. Returns how
    many were created."""
    from datetime import timedelta

    from django.utils import timezone

    from appointments.models import AppointmentRequest, ContactAttempt

    now = timezone.now()
    created = 0
    for key, days_ago, fields, attempts, call_back, booking in DEMO_REQUESTS:
        fields = dict(fields)
        status = fields.pop("status", "new")
        assigned = fields.pop("assigned", False)
        appointment_request, was_created = demo_request(key, fields)
        created += was_created
        tried = [(now - timedelta(days=ago), outcome) for ago, outcome in attempts]
        state = demo_state(now - timedelta(days=days_ago), status, tried, call_back, booking)
        state["assigned_to"] = assignee if assigned else None
        # Updated in place, without new history, so a second run changes nothing else.
        AppointmentRequest.objects.filter(pk=appointment_request.pk).update(**state)
        appointment_request.contact_attempts.all().delete()
        ContactAttempt.objects.bulk_create(
            ContactAttempt(
                appointment_request=appointment_request,
                staff=assignee,
                when=when,
                outcome=outcome,
                note="Demo call.",
            )
            for when, outcome in tried
        )
    return created


def demo_request(key, fields):
    """The demo request `key`, created the first time: (request, created)."""
    from appointments.models import AppointmentRequest

    token = f"demo-request-{key}"
    existing = AppointmentRequest.objects.filter(form_token=token).first()
    if existing is not None:
        return existing, False
    created = AppointmentRequest.objects.create(
        form_token=token,
        reason="Demo request: back pain for a few months (fictitious).",
        consent=True,
        location=Location.objects.filter(slug="riverside").first(),
        preferred_days=["mon", "wed"],
        **fields,
    )
    return created, True


def demo_state(received, status, tried, call_back, booking):
    """The front desk's side of one demo request, as if worked on these dates."""
    from datetime import timedelta

    from appointments.models.bookings import clinic_date, next_business_day

    unanswered = 0
    for _, outcome in tried:
        unanswered = 0 if outcome == "reached" else unanswered + 1
    state = {
        "created": received,
        "status": status,
        "status_changed_at": tried[-1][0] if tried else received,
        "first_contacted_at": tried[0][0] if tried else None,
        "unanswered_attempts": unanswered,
        "call_back_by": None,
        "appointment_at": None,
        "appointment_location": None,
        "clinician": None,
        "visit_type": None,
        "booking_sequence": None,
    }
    if call_back is not None:
        state["call_back_by"] = clinic_date() + timedelta(days=call_back)
    elif unanswered:
        state["call_back_by"] = next_business_day(tried[-1][0])
    if booking:
        state.update(demo_booking(*booking))
    return state


def demo_booking(days_ahead, at, slug, visit):
    """A booking `days_ahead` of the clinic's today at `at` ("10:30"), clinic time."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    from appointments.models import VisitType
    from appointments.models.bookings import clinic_date
    from education.models import Clinician

    hour, minute = map(int, at.split(":"))
    day = clinic_date() + timedelta(days=days_ahead)
    return {
        "appointment_at": timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute)),
        "appointment_location": Location.objects.filter(slug=slug).first(),
        "clinician": Clinician.objects.first(),
        "visit_type": VisitType.objects.filter(name=visit).first(),
        "booking_sequence": 0,
    }
