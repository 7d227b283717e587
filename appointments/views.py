from django.shortcuts import render
from django.views.decorators.http import require_safe

from appointments.models import Location


@require_safe
def location_list(request):
    """Active locations with address, phone and hours. Template: ``appointments/location_list.html``."""
    return render(
        request, "appointments/location_list.html", {"locations": Location.objects.active()}
    )


def request_appointment(request):
    raise NotImplementedError("issue 4: the Request Appointment form")


def request_received(request):
    raise NotImplementedError("issue 4: the received page")
