import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from appointments.demo import seed_locations, seed_requests
from clinic.roles import CLINICIANS, FRONT_DESK, MEDICAL_REVIEWERS
from education.demo import seed_education

# One account per role. The manager is a superuser (users, groups, locations).
DEMO_ACCOUNTS = [
    {"username": "frontdesk", "first_name": "Fran", "last_name": "Demo", "groups": [FRONT_DESK]},
    # The two clinicians of the demo articles: Jordan writes, Dr. Avery signs off.
    {"username": "clinician", "first_name": "Jordan", "last_name": "Demo", "groups": [CLINICIANS]},
    {
        "username": "reviewer",
        "first_name": "Avery",
        "last_name": "Demo",
        "groups": [CLINICIANS, MEDICAL_REVIEWERS],
    },
    # A second reviewer: the four-eyes rule needs someone else when Avery writes.
    {
        "username": "reviewer2",
        "first_name": "Riley",
        "last_name": "Demo",
        "groups": [CLINICIANS, MEDICAL_REVIEWERS],
    },
    {"username": "manager", "first_name": "Morgan", "last_name": "Demo", "groups": []},
]


class Command(BaseCommand):
    help = (
        "Load demo content (locations, clinicians, the starter articles, published with "
        "fictional reviewers, a working week of fictitious appointment requests) and one "
        "demo staff account per role. Safe to run again: "
        "nothing is duplicated, and each run gives the demo accounts new passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-accounts-without-debug",
            action="store_true",
            help="Create the demo accounts even with DEBUG off (never on a real site).",
        )
        parser.add_argument("--no-accounts", action="store_true", help="Load demo content only.")

    def handle(self, *args, **options):
        make_accounts = not options["no_accounts"]
        if make_accounts and not settings.DEBUG and not options["allow_accounts_without_debug"]:
            raise CommandError(
                "Refusing to create demo staff accounts with DEBUG off: this looks like a real "
                "site. Use --no-accounts for content only, or --allow-accounts-without-debug "
                "if you really mean it."
            )
        with transaction.atomic():
            locations = seed_locations()
            logins = self.seed_accounts() if make_accounts else []
            staff = {}
            if make_accounts:
                staff = get_user_model().objects.in_bulk(
                    ["frontdesk", "clinician", "reviewer", "reviewer2"], field_name="username"
                )
            education = seed_education(publish=True, accounts=staff)
            requests = seed_requests(assignee=staff.get("frontdesk"))
        self.stdout.write(
            f"Demo content ready: {locations} new locations, "
            f"{education['clinicians']} new clinicians, {education['topics']} new topics, "
            f"{education['articles']} new articles, {requests} new appointment requests."
        )
        if logins:
            self.stdout.write("\nDemo staff logins (new passwords on every run):")
            for username, password, role in logins:
                self.stdout.write(f"  {role:<30} username: {username:<10}  password: {password}")

    def seed_accounts(self):
        User = get_user_model()
        logins = []
        for account in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=account["username"])
            user.first_name = account["first_name"]
            user.last_name = account["last_name"]
            user.email = f"{account['username']}@example.com"
            user.is_staff = True
            user.is_superuser = not account["groups"]
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            user.groups.set(Group.objects.filter(name__in=account["groups"]))
            role = " + ".join(account["groups"]) or "Practice manager"
            logins.append((user.username, password, role))
        return logins
