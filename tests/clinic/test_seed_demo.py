from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from appointments.models import Location
from education.models import Article, Clinician

pytestmark = pytest.mark.django_db


def seed(**options):
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_loads_content_and_one_account_per_role(settings):
    settings.DEBUG = True

    output = seed()

    assert Location.objects.active().count() == 2
    # A writer and two medical reviewers (the four-eyes rule can be tried).
    assert Clinician.objects.filter(name__contains="Demo").count() == 3
    assert Clinician.objects.get(name="Dr. Riley Demo").user.username == "reviewer2"
    assert Article.objects.published().count() >= 5
    users = {u.username: u for u in get_user_model().objects.all()}
    assert users["frontdesk"].groups.get().name == "Front desk"
    assert users["clinician"].groups.get().name == "Clinicians"
    assert users["manager"].is_superuser
    assert all(u.is_staff for u in users.values())
    for username in ("frontdesk", "clinician", "manager"):
        assert f"username: {username}" in output


def test_printed_passwords_log_in(settings, client):
    settings.DEBUG = True

    output = seed()

    line = next(line for line in output.splitlines() if "username: frontdesk" in line)
    password = line.split("password:")[1].strip()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "frontdesk", "password": password},
        follow=True,
    )
    assert response.context["user"].username == "frontdesk"


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    seed()
    counts = (Location.objects.count(), Clinician.objects.count(), Article.objects.count())

    output = seed()

    assert (Location.objects.count(), Clinician.objects.count(), Article.objects.count()) == counts
    assert get_user_model().objects.count() == 5  # one per role, and two reviewers
    assert "0 new locations" in output


def test_seed_demo_refuses_accounts_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="Refusing to create demo staff accounts"):
        seed()

    assert not get_user_model().objects.exists()


def test_seed_demo_with_debug_off_when_told_explicitly(settings):
    settings.DEBUG = False

    seed(allow_accounts_without_debug=True)

    assert get_user_model().objects.count() == 5  # one per role, and two reviewers
