"""Staff accounts as a practice manager thinks of them: a person with one role.

The role is kept as Django keeps it (groups, and the superuser flag for the manager),
so permissions stay exactly as clinic/roles.py declares; the manager never sees
them. A new account has no password: the invitation email carries a one-time link
(Django's password reset token) to set their own.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.models import Email
from core.outbox import send_later
from core.roles import CLINICIANS, FRONT_DESK, MEDICAL_REVIEWERS
from core.site import absolute_url


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", "Front desk"
    CLINICIAN = "clinician", "Clinician"
    REVIEWER = "reviewer", "Medical reviewer"
    MANAGER = "manager", "Practice manager"


# The groups of each role; the manager is a superuser and needs none.
ROLE_GROUPS = {
    Role.FRONT_DESK: [FRONT_DESK],
    Role.CLINICIAN: [CLINICIANS],
    Role.REVIEWER: [CLINICIANS, MEDICAL_REVIEWERS],
    Role.MANAGER: [],
}
# Roles that write or review articles, under a clinician profile patients see.
CLINICAL_ROLES = (Role.CLINICIAN, Role.REVIEWER)


def role_of(user):
    """The user's role, or None for an account with none of ours."""
    if user.is_superuser:
        return Role.MANAGER
    groups = {group.name for group in user.groups.all()}
    for role in (Role.REVIEWER, Role.CLINICIAN, Role.FRONT_DESK):
        if set(ROLE_GROUPS[role]) <= groups:
            return role
    return None


def give_role(user, role):
    """Make `role` the user's only role (the user is saved already)."""
    user.is_staff = True
    user.is_superuser = role == Role.MANAGER
    user.save(update_fields=["is_staff", "is_superuser"])
    ours = Group.objects.filter(name__in=[FRONT_DESK, CLINICIANS, MEDICAL_REVIEWERS])
    user.groups.remove(*ours)
    user.groups.add(*Group.objects.filter(name__in=ROLE_GROUPS[Role(role)]))


def invitation_link(user):
    """The one-time link to set a password: valid PASSWORD_RESET_TIMEOUT, and spent
    once a password is set (the token hashes the current one)."""
    path = reverse(
        "staff_invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return absolute_url(path)


def invitation_days():
    return max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60))


def queue_invitation(user, invited_by):
    """The invitation email, into the outbox: who invited them, their username and
    the link. No password: there is none yet."""
    return send_later(
        kind=Email.STAFF_INVITATION,
        to=[user.email],
        subject=f"Your staff account at {settings.CLINIC_NAME}",
        body=render_to_string(
            "clinic/email/staff_invitation.txt",
            {
                "user": user,
                "role": Role(role_of(user)).label if role_of(user) else "staff",
                "invited_by": invited_by.get_full_name() or invited_by.get_username(),
                "link": invitation_link(user),
                "days": invitation_days(),
                "login_url": absolute_url(reverse("admin:login")),
                "clinic_name": settings.CLINIC_NAME,
            },
        ),
    )
