"""The staff roles and what each may do in the admin (see DESIGN.md, "People").

Data migrations call sync_roles() whenever models arrive, so the groups always
match this table. The practice manager is a superuser and needs no group.
"""

FRONT_DESK = "Front desk"
CLINICIANS = "Clinicians"

ROLE_PERMISSIONS = {
    FRONT_DESK: [
        "appointments.view_appointmentrequest",
        "appointments.change_appointmentrequest",
        "appointments.view_contactattempt",
        "appointments.add_contactattempt",
        "appointments.change_contactattempt",
        "appointments.view_location",
    ],
    CLINICIANS: [
        "education.view_article",
        "education.add_article",
        "education.change_article",
        "education.delete_article",
        "education.publish_article",
        "education.view_topic",
        "education.add_topic",
        "education.change_topic",
        "education.view_clinician",
        "education.add_clinician",
        "education.change_clinician",
    ],
}


def sync_roles(apps, schema_editor=None):
    """Create the role groups and give each exactly the permissions listed above.

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
    for group_name, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
