"""What each staff role may do with appointments (combined in clinic/roles.py)."""

from core.roles import FRONT_DESK

PERMISSIONS = {
    FRONT_DESK: [
        "appointments.view_appointmentrequest",
        "appointments.change_appointmentrequest",
        "appointments.view_contactattempt",
        "appointments.add_contactattempt",
        "appointments.change_contactattempt",
        "appointments.view_location",
        "appointments.view_visittype",
    ],
}
