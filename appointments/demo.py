"""Demo locations for `manage.py seed_demo` (fictional addresses and 555-01xx numbers)."""

from appointments.models import Location

DEMO_LOCATIONS = [
    {
        "slug": "riverside",
        "name": "Riverside",
        "address": "120 River Road, Suite 200\nColumbus, OH 43215",
        "phone": "(614) 555-0142",
        "hours": "Monday to Friday: 8am to 5pm\nSaturday and Sunday: closed",
        "order": 1,
    },
    {
        "slug": "northgate",
        "name": "Northgate",
        "address": "45 Northgate Plaza\nWesterville, OH 43081",
        "phone": "(614) 555-0177",
        "hours": "Monday to Thursday: 9am to 6pm\nFriday: 9am to 1pm\nSaturday and Sunday: closed",
        "order": 2,
    },
]


def seed_locations():
    """Create or update the demo locations; return how many were created."""
    created = 0
    for data in DEMO_LOCATIONS:
        _, was_created = Location.objects.update_or_create(slug=data["slug"], defaults=data)
        created += was_created
    return created
