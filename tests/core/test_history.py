"""core.history: the manager class behind ``instance.history`` is made once, and each
manager still reads its own model's and instance's history."""

import pytest

from appointments.models import AppointmentRequest, Location
from core.history import ClinicHistoryManager
from tests.appointments.conftest import make_location, make_request

pytestmark = pytest.mark.django_db


def test_every_history_read_uses_the_manager_class_made_once():
    first, second = make_request(), make_request(phone="+16145550100")

    assert type(first.history) is type(second.history) is type(AppointmentRequest.history)
    assert isinstance(first.history, ClinicHistoryManager)
    # The class depends on nothing of the model's: another model's manager is of it
    # too, and reads that model's history.
    location = make_location()
    assert type(location.history) is type(first.history)
    assert list(location.history.values_list("name", flat=True)) == ["Riverside"]


def test_each_manager_still_reads_its_own_instance_history():
    first, second = make_request(), make_request(phone="+16145550100")
    second.status = AppointmentRequest.Status.CONTACTED
    second.save()

    assert [record.history_type for record in first.history.all()] == ["+"]
    assert [record.history_type for record in second.history.all()] == ["~", "+"]
    assert second.history.first().status == AppointmentRequest.Status.CONTACTED
    # The queryset's own methods are still there, on the class made once.
    assert second.history.as_of(second.history.last().history_date).status == "new"
    assert AppointmentRequest.history.count() == 3


def test_every_kept_model_uses_the_clinic_manager():
    from django.apps import apps

    kept = [
        model
        for model in apps.get_models()
        if hasattr(model._meta, "simple_history_manager_attribute")
    ]

    assert Location in kept and len(kept) == 8
    for model in kept:
        assert isinstance(model.history, ClinicHistoryManager), model
