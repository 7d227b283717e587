"""A request records the language the patient used; the front desk sees it, filters
by it and is told it; the patient's emails are written in it."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone, translation
from icalendar import Calendar

from appointments.models import AppointmentRequest, booking_ics
from appointments.notifications import queue_booking_confirmation, queue_unreached_email
from core.models import Email
from tests.appointments.conftest import form_data, make_request

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/appointments/appointmentrequest/"


def submit(client, path="/appointments/request/", **overrides):
    return client.post(path, form_data(**overrides), follow=True)


def test_a_request_from_the_spanish_form_is_recorded_as_spanish(client, location):
    response = submit(client, "/es/appointments/request/")

    assert response.redirect_chain[-1][0] == "/es/appointments/request/received/"
    assert "Gracias. Recibimos su solicitud." in response.content.decode()
    assert AppointmentRequest.objects.get().language == "es"


def test_a_request_from_the_english_form_is_english_whatever_the_browser(client, location):
    client.post(
        "/appointments/request/", form_data(), headers={"accept-language": "es-MX,es;q=0.9"}
    )

    assert AppointmentRequest.objects.get().language == "en"


def test_the_spanish_form_shows_its_errors_in_spanish(client, location):
    response = client.post("/es/appointments/request/", form_data(first_name="", phone="12"))

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Revise su solicitud, por favor" in html
    assert "Escriba su nombre." in html
    assert "Revise este número." in html
    assert not AppointmentRequest.objects.exists()


def test_the_front_desk_sees_prefers_spanish_in_the_list_and_on_the_request(
    front_desk_client,
):
    spanish = make_request(language="es")
    make_request(phone="+16145550150")

    listing = front_desk_client.get(LIST_URL).content.decode()
    page = front_desk_client.get(f"{LIST_URL}{spanish.pk}/change/").content.decode()

    assert listing.count("Prefers Spanish") == 1
    assert "Prefers Spanish" in page


def test_the_front_desk_can_filter_by_language(front_desk_client):
    spanish = make_request(language="es")
    english = make_request(phone="+16145550150")

    response = front_desk_client.get(LIST_URL, {"language__exact": "es"})

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert spanish.reference in html
    assert english.reference not in html


def test_the_front_desk_email_names_the_language_and_nothing_else_about_the_patient(
    client, location, mailoutbox, settings
):
    settings.FRONT_DESK_EMAILS = ["desk@clinic.example"]
    submit(client, "/es/appointments/request/")
    saved = AppointmentRequest.objects.get()

    desk = next(m for m in mailoutbox if m.to == ["desk@clinic.example"])
    assert "Language: Spanish" in desk.body
    assert "(Spanish)" in desk.subject
    # Written for the front desk: in English, however the patient wrote.
    assert "Open it in the admin" in desk.body
    for secret in ("Dana", "Whitfield", "8675309", "1956", "Lower back pain", "dana@"):
        assert secret not in desk.subject + desk.body, secret
    assert saved.reference in desk.subject


def test_the_patient_confirmation_is_in_the_patients_language(client, location, mailoutbox):
    submit(client, "/es/appointments/request/")

    patient = next(m for m in mailoutbox if m.to == ["dana@example.com"])
    assert patient.subject.startswith("Recibimos su solicitud de cita")
    assert "Gracias por pedir una cita" in patient.body
    assert "un día hábil" in patient.body
    assert "Este correo no es para emergencias" in patient.body
    assert "Thank you" not in patient.body


def test_an_english_patient_still_gets_english(client, location, mailoutbox):
    submit(client)

    patient = next(m for m in mailoutbox if m.to == ["dana@example.com"])
    assert "Thank you for asking for an appointment" in patient.body


def booked(location, **fields):
    return make_request(
        email="dana@example.org",
        preferred_contact="email",
        language="es",
        status="scheduled",
        appointment_at=timezone.now() + timedelta(days=3),
        appointment_location=location,
        **fields,
    )


def test_the_booking_confirmation_sent_from_the_english_admin_is_in_spanish(location):
    appointment_request = booked(location)

    with translation.override("en"):  # the admin's language
        email = queue_booking_confirmation(appointment_request)

    assert email.subject.startswith("Su cita está confirmada")
    assert "Cuándo:" in email.body and "Dónde:" in email.body
    assert " de 20" in email.body  # "... de marzo de 2027"
    assert "When:" not in email.body


def test_the_calendar_entry_is_in_the_patients_language(location):
    appointment_request = booked(location)

    event = Calendar.from_ical(booking_ics(appointment_request)).walk("VEVENT")[0]

    assert str(event["summary"]).startswith("Cita en ")
    assert "Para cambiar o cancelar la cita" in str(event["description"])


def test_we_tried_to_reach_you_is_in_the_patients_language(location):
    appointment_request = make_request(email="dana@example.org", language="es")

    email = queue_unreached_email(appointment_request)

    assert email.subject.startswith("Intentamos comunicarnos con usted")
    assert "Intentamos llamarle" in email.body
    assert Email.objects.get(pk=email.pk).body == email.body


def test_the_language_is_in_the_export(front_desk_client):
    make_request(language="es")
    request = AppointmentRequest.objects.get()

    response = front_desk_client.post(
        LIST_URL, {"action": "export_csv", "_selected_action": [request.pk]}
    )

    text = response.getvalue().decode()  # streamed: read once
    assert "Language" in text
    assert "Spanish" in text
