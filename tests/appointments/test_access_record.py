"""The access record (issue 29): every staff page that shows a patient's details writes
who opened it, when, from where and which requests (by reference, never patient data);
the manager reads it; nobody changes it; purge_requests prunes it after six years.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import AppointmentRequest, VisitType
from core.models import AccessRecord
from core.outbox import send_later
from tests.appointments.conftest import make_request
from tests.appointments.test_admin import ROLE_MATRIX
from tests.hardening.test_permissions import ADMIN

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "clinician", "front_desk", "manager")
# What only this patient's request holds: any page showing one of these shows their data.
PATIENT = {
    "first_name": "Zebulon",
    "last_name": "Quixfeather",
    "phone": "+16145550199",
    "email": "zeb.quix@example.org",
    "date_of_birth": "1961-04-17",
    "reason": "Burning pain down the left leg since March.",
}
MARKERS = ("Quixfeather", "Zebulon", "555-0199", "5550199", "zeb.quix@example.org", "Burning pain")


@pytest.fixture
def patient_request(location):
    """A request booked for today, the clinic's day (on the booked lists too), with an email."""
    today = timezone.localtime()
    appointment_request = make_request(
        **PATIENT,
        location=location,
        status=AppointmentRequest.Status.SCHEDULED,
        appointment_at=today.replace(hour=12, minute=0, second=0, microsecond=0),
        appointment_location=location,
    )
    # The patient's confirmation: its recipient is the patient's address.
    email = send_later(
        kind="booking",
        to=[PATIENT["email"]],
        subject=f"Your appointment {appointment_request.reference}",
        body="See you soon.",
        reference=appointment_request.reference,
    )
    return appointment_request, email


def front_desk_paths(appointment_request, email, location):
    """Every admin URL of the permission tables that the front desk may open."""
    ids = {
        "request": appointment_request.pk,
        "version": appointment_request.history.first().history_id,
        "location": location.pk,
        "visit_type": VisitType.objects.first().pk,  # made by the migrations
        "email": email.pk,
    }
    front_desk = ROLES.index("front_desk")
    paths = []
    for table in (ROLE_MATRIX, ADMIN):
        for path, statuses in table.items():
            if statuses[front_desk] != 200:
                continue
            try:
                paths.append(path.format(**ids))
            except KeyError:
                continue  # names objects of other apps, which the front desk cannot open
    return paths


def shows_patient_data(response):
    content = response.content.decode()
    return any(marker in content for marker in MARKERS)


@pytest.mark.clock
def test_every_front_desk_page_showing_patient_data_writes_its_record(
    front_desk_client, front_desk_user, patient_request, location
):
    appointment_request, email = patient_request
    reference = appointment_request.reference
    showing = []

    for path in front_desk_paths(appointment_request, email, location):
        before = set(AccessRecord.objects.values_list("pk", flat=True))
        response = front_desk_client.get(path, REMOTE_ADDR="198.51.100.23")
        assert response.status_code == 200, path
        new = AccessRecord.objects.exclude(pk__in=before)
        if shows_patient_data(response):
            showing.append(path)
            assert new.count() == 1, f"{path} shows patient data but wrote no record"
            record = new.get()
            assert reference in record.reference_list, path
            assert record.user == front_desk_user
            assert record.client_ip == "198.51.100.23"
            # The record itself holds no patient data.
            values = " ".join(str(v) for v in new.values().get().values())
            assert not any(marker in values for marker in MARKERS), path

    base = f"/admin/appointments/appointmentrequest/{appointment_request.pk}"
    # The walk is not empty: these are the pages known to show a patient's details.
    assert {
        "/admin/appointments/appointmentrequest/",
        f"{base}/change/",
        f"{base}/history/{appointment_request.history.first().history_id}/",
        "/admin/appointments/appointmentrequest/booked/",
        f"/admin/core/email/{email.pk}/change/",
    } <= set(showing)


def test_opening_a_request_records_its_reference_and_the_action(front_desk_client, patient_request):
    appointment_request, _ = patient_request

    front_desk_client.get(
        f"/admin/appointments/appointmentrequest/{appointment_request.pk}/change/"
    )

    record = AccessRecord.objects.get()
    assert record.action == AccessRecord.Action.VIEWED
    assert record.reference_list == [appointment_request.reference]
    assert record.count == 1
    assert record.client_ip == "127.0.0.1"


def test_export_records_every_exported_request_and_how_many(front_desk_client):
    requests = [make_request(phone=f"+1614555{n:04d}") for n in range(3)]

    response = front_desk_client.post(
        "/admin/appointments/appointmentrequest/",
        {"action": "export_csv", "_selected_action": [r.pk for r in requests]},
    )

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    record = AccessRecord.objects.get(action=AccessRecord.Action.EXPORTED)
    assert record.count == 3
    assert sorted(record.reference_list) == sorted(r.reference for r in requests)


def test_viewing_an_email_records_the_email_and_its_request(front_desk_client, patient_request):
    appointment_request, email = patient_request

    front_desk_client.get(f"/admin/core/email/{email.pk}/change/")

    record = AccessRecord.objects.get()
    assert record.action == AccessRecord.Action.EMAIL
    assert record.reference_list == [appointment_request.reference]
    assert record.detail == f"email {email.pk}"


def test_each_request_page_shows_who_has_looked_at_it(
    client, front_desk_user, manager_user, patient_request
):
    appointment_request, _ = patient_request
    other = make_request(phone="+16145550111")
    url = f"/admin/appointments/appointmentrequest/{appointment_request.pk}/change/"
    client.force_login(front_desk_user)
    client.get(f"/admin/appointments/appointmentrequest/{other.pk}/change/")
    first = client.get(url)
    assert b"Nobody before you" in first.content

    client.force_login(manager_user)
    page = client.get(url).content.decode()

    assert "Who has looked at this request" in page
    assert "fd" in page.split("Who has looked at this request")[1]
    assert f"?reference={appointment_request.reference}" in page  # the manager's link


def test_manager_reads_and_filters_the_record_but_nobody_changes_it(
    manager_client, front_desk_user, manager_user, patient_request
):
    appointment_request, _ = patient_request
    other = make_request(phone="+16145550111")
    for obj, user in ((appointment_request, front_desk_user), (other, manager_user)):
        AccessRecord.objects.create(
            user=user,
            username=user.username,
            action="viewed",
            references=f" {obj.reference} ",
            count=1,
        )
    record = AccessRecord.objects.filter(user=front_desk_user).get()

    by_request = manager_client.get(
        f"/admin/core/accessrecord/?reference={appointment_request.reference}"
    )
    by_staff = manager_client.get(f"/admin/core/accessrecord/?user__id__exact={manager_user.pk}")

    assert by_request.context["cl"].result_count == 1
    assert list(by_request.context["cl"].result_list) == [record]
    assert [r.user for r in by_staff.context["cl"].result_list] == [manager_user]
    # Read-only, even for the manager (a superuser).
    change = manager_client.post(f"/admin/core/accessrecord/{record.pk}/change/", {"count": 9})
    assert change.status_code == 403
    delete = manager_client.post(f"/admin/core/accessrecord/{record.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    bulk = manager_client.post(
        "/admin/core/accessrecord/", {"action": "delete_selected", "_selected_action": [record.pk]}
    )
    assert AccessRecord.objects.filter(pk=record.pk, count=1).exists(), bulk.status_code


def test_the_front_desk_cannot_read_the_record(front_desk_client):
    assert front_desk_client.get("/admin/core/accessrecord/").status_code == 403


def test_purge_prunes_records_after_six_years_only(settings, front_desk_user):
    settings.ACCESS_RECORD_RETENTION_DAYS = 2192
    old, recent = (
        AccessRecord.objects.create(
            user=front_desk_user, username="fd", action="viewed", references=" AR-X ", count=1
        )
        for _ in range(2)
    )
    now = timezone.now()
    AccessRecord.objects.filter(pk=old.pk).update(at=now - timedelta(days=2193))
    AccessRecord.objects.filter(pk=recent.pk).update(at=now - timedelta(days=2190))

    dry = StringIO()
    call_command("purge_requests", stdout=dry)
    assert "would prune 1 access record row(s)" in dry.getvalue()
    assert AccessRecord.objects.count() == 2

    out = StringIO()
    call_command("purge_requests", "--delete", stdout=out)

    assert "Pruned 1 access record row(s)" in out.getvalue()
    assert list(AccessRecord.objects.all()) == [recent]


def test_a_record_outlives_its_request(front_desk_client, patient_request, settings):
    """Purging an old request keeps who looked at it, until the record's own six years."""
    appointment_request, _ = patient_request
    front_desk_client.get(
        f"/admin/appointments/appointmentrequest/{appointment_request.pk}/change/"
    )

    appointment_request.delete()

    assert AccessRecord.objects.about(appointment_request.reference).count() == 1
