"""What every site has from its first migrate on (the role groups, the emergency notice,
the starter visit types) is there again after a flush: a transactional test ends with
one, and whatever test runs next on that worker relies on them."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from appointments.models import VisitType
from clinic.roles import ROLE_PERMISSIONS
from education.models import EmergencyNotice

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_flush_leaves_the_roles_the_notice_and_the_visit_types():
    call_command("flush", interactive=False, verbosity=0)

    assert set(Group.objects.values_list("name", flat=True)) == set(ROLE_PERMISSIONS)
    assert EmergencyNotice.objects.count() == 1
    assert VisitType.objects.count() == 3


def test_a_clinics_own_visit_types_are_left_alone_by_migrate():
    VisitType.objects.exclude(name="Follow-up").delete()

    call_command("migrate", interactive=False, verbosity=0)

    assert list(VisitType.objects.values_list("name", flat=True)) == ["Follow-up"]
