import pytest
from django.contrib.auth.models import Group

from clinic.roles import ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("group_name", sorted(ROLE_PERMISSIONS))
def test_role_groups_have_exactly_their_listed_permissions(group_name):
    group = Group.objects.get(name=group_name)

    granted = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }

    assert granted == set(ROLE_PERMISSIONS[group_name])


def test_clinicians_have_no_permission_on_appointment_requests():
    granted = Group.objects.get(name="Clinicians").permissions.values_list(
        "content_type__app_label", flat=True
    )

    assert "appointments" not in set(granted)


def test_front_desk_cannot_change_articles():
    granted = Group.objects.get(name="Front desk").permissions.values_list(
        "content_type__app_label", flat=True
    )

    assert "education" not in set(granted)
