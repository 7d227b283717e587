from django.contrib.auth import get_user_model


class StaffMember(get_user_model()):
    """Staff accounts as the practice manager's screens name them (clinic/admin.py):
    the same table as Django's users, under the clinic's own name."""

    class Meta:
        proxy = True
        verbose_name = "staff member"
        verbose_name_plural = "staff"
