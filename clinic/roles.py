"""The staff roles of this site: each app's own permissions, combined."""

from django.apps import apps as global_apps

from appointments.roles import PERMISSIONS as APPOINTMENTS
from core.roles import CLINICIANS, FRONT_DESK, MEDICAL_REVIEWERS, combine, sync_groups
from core.roles import PERMISSIONS as OUTBOX
from education.roles import PERMISSIONS as EDUCATION

__all__ = ["CLINICIANS", "FRONT_DESK", "MEDICAL_REVIEWERS", "ROLE_PERMISSIONS", "sync_roles"]

ROLE_PERMISSIONS = combine(APPOINTMENTS, EDUCATION, OUTBOX)


def sync_roles(apps, schema_editor=None):
    """For data migrations and tests: the groups exactly as ROLE_PERMISSIONS says."""
    sync_groups(apps, ROLE_PERMISSIONS)


def sync_roles_after_migrate(sender, using, apps=global_apps, **kwargs):
    """post_migrate: the groups as listed, whatever migrate or a flush left."""
    if using == "default":
        sync_roles(apps)
