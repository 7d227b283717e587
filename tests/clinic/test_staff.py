"""Issue 27: the practice manager's staff screens (one form with a role, an invitation
to set a password, deactivate instead of delete, a list with role and last login), the
System page for the technical tables, and each role's home title."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.models import Email
from education.models import Clinician
from tests.clients import BrowserClient

pytestmark = pytest.mark.django_db

STAFF = "/admin/clinic/staffmember/"
User = get_user_model()


def add_staff(manager_client, **fields):
    data = {
        "first_name": "Jordan",
        "last_name": "Lee",
        "email": "Jordan.Lee@example.org",
        "role": "clinician",
        "clinician": "",
        "credentials": "DPT",
        **fields,
    }
    return manager_client.post(f"{STAFF}add/", data, follow=True)


def invitation_path(email):
    return re.search(r"https?://[^/\s]+(/admin/invitation/\S+/)", email.body).group(1)


def test_the_manager_adds_a_clinician_in_one_form_and_they_set_their_own_password(
    manager_client, client
):
    response = add_staff(manager_client)

    assert response.status_code == HTTPStatus.OK
    user = User.objects.get(email="jordan.lee@example.org")
    assert user.username == "jordan.lee@example.org"
    assert user.is_staff and not user.is_superuser and user.is_active
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["Clinicians"]
    profile = Clinician.objects.get(user=user)
    assert (profile.name, profile.credentials) == ("Jordan Lee", "DPT")
    assert "Invitation queued to be emailed to jordan.lee@example.org" in response.text

    email = Email.objects.get(kind="staff invitation")
    assert email.to == ["jordan.lee@example.org"]
    assert "as Clinician" in email.body and "Your username: jordan.lee@example.org" in email.body
    assert "password:" not in email.body.lower().replace("your own password", "")

    # The link sets a password once; then they log in.
    client.logout()
    page = client.get(invitation_path(email), follow=True)
    assert page.status_code == HTTPStatus.OK
    form_url = page.redirect_chain[-1][0]
    client.post(
        form_url,
        {"new_password1": "a-fresh-staff-passphrase", "new_password2": "a-fresh-staff-passphrase"},
    )
    user.refresh_from_db()
    assert user.check_password("a-fresh-staff-passphrase")
    logged_in = client.post(
        "/admin/login/",
        {"username": user.username, "password": "a-fresh-staff-passphrase", "next": "/admin/"},
    )
    assert logged_in.status_code == HTTPStatus.FOUND
    assert client.get("/admin/").status_code == HTTPStatus.OK
    # Spent: the same link no longer works.
    client.logout()
    again = client.get(invitation_path(email), follow=True)
    assert "The password reset link was invalid" in again.text


def test_a_reviewer_is_in_both_groups_and_can_take_an_existing_profile(manager_client):
    profile = Clinician.objects.create(name="Avery Demo", credentials="MD")

    add_staff(manager_client, email="avery@example.org", role="reviewer", clinician=str(profile.pk))

    user = User.objects.get(email="avery@example.org")
    assert set(user.groups.values_list("name", flat=True)) == {"Clinicians", "Medical reviewers"}
    profile.refresh_from_db()
    assert profile.user == user


def test_a_clinician_needs_a_profile_or_credentials(manager_client):
    response = add_staff(manager_client, credentials="")

    assert "Choose their clinician profile, or give their credentials" in response.text
    assert not User.objects.filter(email="jordan.lee@example.org").exists()


def test_front_desk_and_manager_roles(manager_client):
    add_staff(manager_client, email="desk@example.org", role="front_desk", credentials="")
    add_staff(manager_client, email="boss2@example.org", role="manager", credentials="")

    desk = User.objects.get(email="desk@example.org")
    boss = User.objects.get(email="boss2@example.org")
    assert list(desk.groups.values_list("name", flat=True)) == ["Front desk"]
    assert boss.is_superuser and not boss.groups.exists()
    assert not Clinician.objects.filter(user__in=[desk, boss]).exists()


def test_the_same_email_cannot_have_two_accounts(manager_client):
    add_staff(manager_client)

    response = add_staff(manager_client, email="JORDAN.LEE@example.org")

    assert "Another staff account has this email address." in response.text


def test_the_list_shows_role_and_last_login_and_no_delete(manager_client, front_desk_user):
    front_desk_user.first_name, front_desk_user.last_name = "Casey", "Desk"
    front_desk_user.save()

    html = manager_client.get(STAFF).text

    assert "Casey Desk" in html and "Front desk" in html
    assert "column-last_seen" in html and "Never" in html
    assert "delete_selected" not in html
    assert "Deactivate selected" in html
    change = manager_client.get(f"{STAFF}{front_desk_user.pk}/change/").text
    assert 'class="deletelink"' not in change
    assert "user_permissions" not in change and "Staff status" not in change


def test_deactivating_keeps_the_account_but_not_the_login(manager_client, manager_user):
    desk = User.objects.create_user("desk", "desk@example.org", "a-long-test-password")
    desk.groups.add(Group.objects.get(name="Front desk"))

    response = manager_client.post(
        STAFF,
        {"action": "deactivate", "_selected_action": [desk.pk, manager_user.pk]},
        follow=True,
    )

    desk.refresh_from_db()
    manager_user.refresh_from_db()
    assert not desk.is_active and manager_user.is_active
    assert "1 account(s) deactivated." in response.text
    assert "Your own account stays active." in response.text


@pytest.mark.parametrize("user_fixture", ["front_desk_user", "clinician_user"])
def test_only_the_manager_manages_staff(client, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(STAFF).status_code == HTTPStatus.FORBIDDEN


def test_technical_tables_are_on_the_system_page_not_the_home(manager_client):
    home = manager_client.get("/admin/").text
    system = manager_client.get("/admin/system/")

    for technical in ("access attempts", "access failures", "task results", "/admin/auth/group/"):
        assert technical not in home.lower()
        assert technical in system.text.lower()
    assert 'href="/admin/system/"' in home
    assert 'href="/admin/clinic/staffmember/"' in home


def test_the_system_page_is_the_managers(front_desk_client):
    assert front_desk_client.get("/admin/system/").status_code == HTTPStatus.FORBIDDEN
    assert 'href="/admin/system/"' not in front_desk_client.get("/admin/").text


@pytest.mark.parametrize(
    ("user_fixture", "title"),
    [
        ("front_desk_user", "Front desk"),
        ("clinician_user", "Patient education"),
        ("manager_user", "Practice management"),
    ],
)
def test_each_role_has_its_own_home_title(client, request, user_fixture, title):
    client.force_login(request.getfixturevalue(user_fixture))

    html = client.get("/admin/").text

    assert f"<h1>{title}</h1>" in html or f">{title}</h1>" in html
    assert "Front desk and patient education" not in html


def test_the_manager_cannot_lock_themselves_out(manager_client, manager_user):
    manager_user.first_name, manager_user.last_name = "Morgan", "Manager"
    manager_user.email = "morgan@example.org"
    manager_user.save()
    data = {
        "first_name": "Morgan",
        "last_name": "Manager",
        "email": "morgan@example.org",
        "role": "front_desk",
        "clinician": "",
        "credentials": "",
    }

    response = manager_client.post(f"{STAFF}{manager_user.pk}/change/", data)

    assert "You cannot take away your own manager role." in response.text
    assert "You cannot deactivate your own account." in response.text  # is_active unticked
    manager_user.refresh_from_db()
    assert manager_user.is_superuser and manager_user.is_active


def test_the_front_desk_never_sees_an_invitation_and_its_link(manager_client, front_desk_user):
    add_staff(manager_client, first_name="Nia", last_name="New", email="nia@clinic.example")
    invitation = Email.objects.get(kind=Email.STAFF_INVITATION)
    path = invitation_path(invitation)
    desk = BrowserClient()
    desk.force_login(front_desk_user)

    outbox = desk.get("/admin/core/email/")
    opened = desk.get(f"/admin/core/email/{invitation.pk}/change/")

    link = f"/admin/core/email/{invitation.pk}/change/"
    assert outbox.status_code == HTTPStatus.OK
    assert link not in outbox.content.decode()
    assert opened.status_code == HTTPStatus.FOUND  # "doesn't exist", back to the admin home
    assert path not in opened.content.decode()
    # The manager still sees it (and may send it again).
    assert link in manager_client.get("/admin/core/email/").content.decode()
    assert path in manager_client.get(link).content.decode()
