"""The staff roles (see DESIGN.md, "People") and how their groups are kept in step.

Each app lists what each role may do with its own models (``<app>/roles.py``); the
project combines those lists (``clinic/roles.py``) and its data migrations call
sync_groups() whenever models arrive. The practice manager is a superuser and needs
no group.
"""

from django.conf import settings

FRONT_DESK = "Front desk"
CLINICIANS = "Clinicians"
# Clinicians who may sign off articles; a reviewer's account is in both groups.
MEDICAL_REVIEWERS = "Medical reviewers"

# The outbox holds patients' addresses: the front desk reads it and sends a failed
# email again; clinicians never see it.
PERMISSIONS = {FRONT_DESK: ["core.view_email", "core.send_again"]}


def past_both_steps(user):
    """A staff member past the whole sign-in: the password and, where the second factor
    is required (settings.STAFF_SECOND_FACTOR, clinic/second_factor.py), that too.
    Someone still enrolling is logged in, yet may see nothing meant for staff."""
    if not settings.STAFF_SECOND_FACTOR:
        return True
    is_verified = getattr(user, "is_verified", None)  # set by django-otp's middleware
    return bool(is_verified and is_verified())


def combine(*declarations):
    """One {role: [permission, ...]} from each app's own {role: [permission, ...]}."""
    combined = {}
    for declaration in declarations:
        for role, permissions in declaration.items():
            combined.setdefault(role, []).extend(permissions)
    return combined


def sync_groups(apps, role_permissions):
    """Create the role groups and give each exactly the permissions listed.

    Permissions of models that do not exist yet are skipped; the migration that
    adds those models calls this again.
    """
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate finishes; make them now. In a
    # migration the app configs are stand-ins without models_module, which
    # create_permissions needs set; put each back as it was.
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = original

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, names in role_permissions.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
