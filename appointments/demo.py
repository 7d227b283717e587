"""Demo locations for `manage.py seed_demo` (fictional addresses and 555-01xx numbers)."""

from datetime import time

from appointments.models import Location, OpeningHours

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
        created += was_created
    return created
