"""Issue 11: the booked appointment, call-backs on business days, "Unable to reach",
the patient's booking email with its .ics, the day view and the admin's home page."""

import re
from datetime import date, datetime, timedelta
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from icalendar import Calendar

from appointments.admin.booked import booked_by_day
from appointments.models import (
    AppointmentRequest,
    ContactAttempt,
    VisitType,
    booking_ics,
    next_business_day,
)
from appointments.models.bookings import clinic_date
from core.models import Email
from tests.appointments.conftest import make_request

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

LIST_URL = "/admin/appointments/appointmentrequest/"
BOOKED_URL = "/admin/appointments/appointmentrequest/booked/"
NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")


def local(*args):
    return datetime(*args, tzinfo=NEW_YORK)


def change_url(appointment_request):
    return f"{LIST_URL}{appointment_request.pk}/change/"


def form_data(appointment_request, **overrides):
    data = {
        "status": appointment_request.status,
        "assigned_to": "",
        "notes": "",
        "call_back_by": "",
        "appointment_at_0": "",
        "appointment_at_1": "",
        "appointment_location": "",
        "clinician": "",
        "visit_type": "",
        "contact_attempts-TOTAL_FORMS": "0",
        "contact_attempts-INITIAL_FORMS": "0",
        "contact_attempts-MIN_NUM_FORMS": "0",
        "contact_attempts-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def booking_data(location, when, **overrides):
    when = timezone.localtime(when)
    return {
        "status": "scheduled",
        "appointment_at_0": when.strftime("%Y-%m-%d"),
        "appointment_at_1": when.strftime("%H:%M"),
        "appointment_location": str(location.pk),
        "visit_type": str(VisitType.objects.get(name="Follow-up").pk),
        **overrides,
    }


# Business days, in the clinic's time zone.


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(2026, 12, 1, 10, 0), date(2026, 12, 2)),  # Tuesday -> Wednesday
        (local(2026, 12, 4, 10, 0), date(2026, 12, 7)),  # Friday -> Monday
        # 23:30 on Friday in New York is already Saturday in UTC: still Friday's call.
        (local(2026, 12, 4, 23, 30), date(2026, 12, 7)),
        (datetime(2026, 12, 5, 4, 30, tzinfo=UTC), date(2026, 12, 7)),
        (local(2026, 12, 5, 11, 0), date(2026, 12, 7)),  # Saturday -> Monday
        (local(2026, 12, 6, 11, 0), date(2026, 12, 7)),  # Sunday -> Monday
        # 21:30 on Thursday in New York is Friday in UTC: the call back is Friday.
        (datetime(2026, 12, 4, 2, 30, tzinfo=UTC), date(2026, 12, 4)),
    ],
)
def test_call_back_is_the_next_business_day_in_the_clinics_time_zone(moment, expected):
    assert next_business_day(moment) == expected


# Contact attempts and their outcomes.


@pytest.mark.parametrize("outcome", ["voicemail", "no_answer", "wrong_number"])
def test_unanswered_attempt_keeps_new_counts_and_proposes_a_call_back(outcome):
    appointment_request = make_request()
    when = local(2026, 12, 4, 23, 30)  # a Friday night

    attempt = ContactAttempt.objects.create(
        appointment_request=appointment_request, when=when, outcome=outcome
    )

    appointment_request.refresh_from_db()
    assert appointment_request.status == "new"
    assert appointment_request.unanswered_attempts == 1
    assert appointment_request.call_back_by == date(2026, 12, 7)
    assert appointment_request.first_contacted_at == when
    assert "the request stays New; call back by Mon Dec 7." in attempt.effect
    # Somebody tried: no longer overdue for a first call.
    assert not appointment_request.is_overdue


def test_the_save_message_says_what_a_voicemail_changed():
    appointment_request = make_request()

    attempt = ContactAttempt.objects.create(
        appointment_request=appointment_request, when=local(2026, 12, 1, 9, 0), outcome="voicemail"
    )

    assert attempt.effect == "Logged a voicemail; the request stays New; call back by Wed Dec 2."


def test_reached_moves_new_to_contacted_and_clears_the_call_back():
    appointment_request = make_request()
    ContactAttempt.objects.create(appointment_request=appointment_request, outcome="voicemail")

    attempt = ContactAttempt.objects.create(
        appointment_request=appointment_request, outcome="reached"
    )

    appointment_request.refresh_from_db()
    assert appointment_request.status == "contacted"
    assert (appointment_request.unanswered_attempts, appointment_request.call_back_by) == (0, None)
    assert attempt.effect.startswith("Logged a call that reached the patient; the request moves")


def test_admin_says_what_the_logged_call_changed(front_desk_client):
    appointment_request = make_request()
    now = timezone.localtime()

    response = front_desk_client.post(
        change_url(appointment_request),
        form_data(
            appointment_request,
            **{
                "contact_attempts-TOTAL_FORMS": "1",
                "contact_attempts-0-when_0": now.strftime("%Y-%m-%d"),
                "contact_attempts-0-when_1": now.strftime("%H:%M:%S"),
                "contact_attempts-0-method": "phone",
                "contact_attempts-0-outcome": "voicemail",
            },
        ),
        follow=True,
    )

    call_back = next_business_day(now)
    expected = (
        "Logged a voicemail; the request stays New; call back by "
        f"{date_format(call_back, 'D M j')}."
    )
    assert expected in response.text
    appointment_request.refresh_from_db()
    assert (appointment_request.status, appointment_request.call_back_by) == ("new", call_back)


def test_call_back_filters_and_marker_in_the_list(front_desk_client):
    today = clinic_date()
    due = make_request(call_back_by=today, phone="+16145550131")
    late = make_request(call_back_by=today - timedelta(days=2), phone="+16145550132")
    make_request(call_back_by=today + timedelta(days=1), phone="+16145550133")
    make_request(call_back_by=today, status="closed", phone="+16145550134")

    due_today = front_desk_client.get(LIST_URL, {"call_back": "today"})
    overdue = front_desk_client.get(LIST_URL, {"call_back": "overdue"})

    assert list(due_today.context["cl"].result_list) == [due]
    assert list(overdue.context["cl"].result_list) == [late]
    assert "Call back today" in due_today.text
    assert "Call-back overdue" in overdue.text
    counts = due_today.context["counts"]
    assert (counts["call_back_today"], counts["call_back_overdue"]) == (1, 1)


# Unable to reach.


def unreached(settings, **fields):
    settings.REQUEST_UNREACHED_ATTEMPTS = 2
    appointment_request = make_request(**fields)
    for outcome in ("voicemail", "no_answer"):
        attempt = ContactAttempt.objects.create(
            appointment_request=appointment_request, outcome=outcome
        )
    appointment_request.refresh_from_db()
    return appointment_request, attempt


def test_unanswered_attempts_flag_unable_to_reach_and_the_email_goes_in_one_click(
    front_desk_client, settings, mailoutbox
):
    appointment_request, attempt = unreached(settings, email="dana@example.org")
    assert appointment_request.is_unable_to_reach
    assert "flagged Unable to reach" in attempt.effect
    listed = front_desk_client.get(LIST_URL, {"unreached": "yes"})
    assert list(listed.context["cl"].result_list) == [appointment_request]
    page = front_desk_client.get(change_url(appointment_request))
    assert "Email “we tried to reach you”" in page.text

    response = front_desk_client.post(
        f"{LIST_URL}{appointment_request.pk}/tried-to-reach/", form_data(appointment_request)
    )

    assert response.status_code == HTTPStatus.FOUND
    email = Email.objects.get(kind="unable to reach: patient")
    assert email.to == ["dana@example.org"]
    assert appointment_request.reference in email.body
    assert settings.CLINIC_PHONE in email.body
    for private in ("Dana", "Whitfield", "back pain", "+16148675309"):
        assert private not in email.subject + email.body
    assert len(mailoutbox) == 1
    appointment_request.refresh_from_db()
    assert appointment_request.unreached_email_sent_at is not None


def test_no_tried_to_reach_email_without_an_address_or_the_flag(front_desk_client, settings):
    no_address, _ = unreached(settings, email="")
    reachable = make_request(email="x@example.org", phone="+16145550140")

    front_desk_client.post(f"{LIST_URL}{no_address.pk}/tried-to-reach/")
    front_desk_client.post(
        LIST_URL, {"action": "send_tried_to_reach", "_selected_action": [reachable.pk]}
    )

    assert not Email.objects.filter(kind="unable to reach: patient").exists()


def test_tried_to_reach_action_sends_to_flagged_patients_with_email(front_desk_client, settings):
    appointment_request, _ = unreached(settings, email="dana@example.org")

    front_desk_client.post(
        LIST_URL, {"action": "send_tried_to_reach", "_selected_action": [appointment_request.pk]}
    )

    assert Email.objects.filter(kind="unable to reach: patient").count() == 1


# Scheduled needs a booking.


def test_scheduled_requires_date_time_and_location_in_the_model():
    appointment_request = make_request(status="scheduled")

    with pytest.raises(ValidationError) as error:
        appointment_request.full_clean()

    assert set(error.value.message_dict) == {"appointment_at", "appointment_location"}
    with pytest.raises(ValidationError):
        make_request().set_status(AppointmentRequest.Status.SCHEDULED)


def test_admin_form_refuses_scheduled_without_a_booking(front_desk_client):
    appointment_request = make_request()

    response = front_desk_client.post(
        change_url(appointment_request), form_data(appointment_request, status="scheduled")
    )

    assert response.status_code == HTTPStatus.OK
    assert "A scheduled request needs the appointment&#x27;s date and time." in response.text
    assert "A scheduled request needs the location of the appointment." in response.text
    appointment_request.refresh_from_db()
    assert appointment_request.status == "new"


def test_mark_scheduled_action_refuses_requests_without_a_booking(front_desk_client, location):
    bare = make_request()
    booked = make_request(
        phone="+16145550150",
        appointment_at=timezone.now() + timedelta(days=2),
        appointment_location=location,
    )

    response = front_desk_client.post(
        LIST_URL,
        {"action": "mark_scheduled", "_selected_action": [bare.pk, booked.pk]},
        follow=True,
    )

    bare.refresh_from_db()
    booked.refresh_from_db()
    assert (bare.status, booked.status) == ("new", "scheduled")
    assert f"Not scheduled, no booking yet: {bare.reference}" in response.text


# The booking email and its calendar entry.


def test_booking_emails_the_patient_who_chose_email_with_an_ics(
    front_desk_client, location, mailoutbox
):
    appointment_request = make_request(
        email="dana@example.org", preferred_contact="email", status="contacted"
    )
    when = local(2027, 3, 15, 9, 0)  # the Monday after the spring-forward change

    response = front_desk_client.post(
        change_url(appointment_request),
        form_data(appointment_request, **booking_data(location, when)),
        follow=True,
    )

    appointment_request.refresh_from_db()
    assert (
        f"{appointment_request.reference} is booked for Monday, March 15, 9:00 AM at Riverside "
        "(status Scheduled). The confirmation, with its calendar entry, is queued to be "
        "emailed to the patient"
    ) in response.text
    assert appointment_request.status == "scheduled"
    assert appointment_request.appointment_at == when
    email = Email.objects.get(kind="booking: patient")
    assert "Monday, March 15, 2027 at 9:00 AM" in email.body
    assert location.name in email.body and "120 River Road" in email.body
    assert location.phone in email.body
    for private in ("Dana", "Whitfield", "back pain", "Lower back"):
        assert private not in email.subject + email.body + email.attachments[0]["content"]
    (message,) = mailoutbox
    (filename, content, mimetype) = message.attachments[0]
    assert filename == f"appointment-{appointment_request.reference}.ics"
    assert mimetype == "text/calendar"
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == when
    assert int(event["sequence"]) == 0


def test_a_changed_booking_sends_the_same_uid_with_the_next_sequence(front_desk_client, location):
    appointment_request = make_request(email="dana@example.org", preferred_contact="email")
    url = change_url(appointment_request)
    front_desk_client.post(
        url, form_data(appointment_request, **booking_data(location, local(2027, 3, 12, 9, 0)))
    )
    appointment_request.refresh_from_db()
    unchanged = booking_data(location, local(2027, 3, 12, 9, 0), notes="Called back")
    front_desk_client.post(url, form_data(appointment_request, **unchanged))  # no change

    front_desk_client.post(
        url, form_data(appointment_request, **booking_data(location, local(2027, 3, 16, 14, 0)))
    )

    first, second = (
        Calendar.from_ical(email.attachments[0]["content"]).walk("VEVENT")[0]
        for email in Email.objects.filter(kind="booking: patient").order_by("pk")
    )
    assert first["uid"] == second["uid"]
    assert (int(first["sequence"]), int(second["sequence"])) == (0, 1)
    assert second.decoded("dtstart") == local(2027, 3, 16, 14, 0)
    assert "has changed" in Email.objects.filter(kind="booking: patient").latest("pk").body


def test_no_booking_email_to_a_patient_who_chose_the_phone(front_desk_client, location):
    appointment_request = make_request(email="dana@example.org", preferred_contact="phone")

    response = front_desk_client.post(
        change_url(appointment_request),
        form_data(appointment_request, **booking_data(location, local(2027, 3, 12, 9, 0))),
        follow=True,
    )

    assert not Email.objects.filter(kind="booking: patient").exists()
    assert "No email: the patient did not choose email. Tell them the date" in response.text


def test_ics_dtstart_keeps_the_local_time_across_the_dst_change(location):
    before = make_request(
        appointment_at=local(2027, 3, 12, 9, 0), appointment_location=location, status="scheduled"
    )
    after = make_request(
        phone="+16145550160",
        appointment_at=local(2027, 3, 15, 9, 0),
        appointment_location=location,
        status="scheduled",
    )

    starts = {}
    for appointment_request in (before, after):
        ics = booking_ics(appointment_request)
        assert "DTSTART;TZID=America/New_York:2027031" in ics
        assert "BEGIN:VTIMEZONE" in ics
        starts[appointment_request.pk] = (
            Calendar.from_ical(ics).walk("VEVENT")[0].decoded("dtstart")
        )

    # 9:00 in New York both days: 14:00 UTC before the change, 13:00 UTC after it.
    assert starts[before.pk].astimezone(UTC).hour == 14
    assert starts[after.pk].astimezone(UTC).hour == 13
    assert "Whitfield" not in booking_ics(before)
    assert "Lower back" not in booking_ics(before)


# Booked appointments by day.


def test_day_view_lists_a_late_evening_booking_on_its_local_day(front_desk_client, location):
    day = date(2026, 11, 30)
    late = make_request(
        status="scheduled",
        appointment_location=location,
        appointment_at=local(2026, 11, 30, 22, 30),  # 03:30 UTC on December 1
        phone="+16145550170",
    )
    next_morning = make_request(
        status="scheduled",
        appointment_location=location,
        appointment_at=local(2026, 12, 1, 0, 30),  # 05:30 UTC on December 1
        phone="+16145550171",
    )

    def references(days):
        return [(day, [visit.reference for visit in visits]) for day, visits in days]

    assert references(booked_by_day(day, day)) == [(day, [late.reference])]
    assert references(booked_by_day(day, day + timedelta(days=1))) == [
        (day, [late.reference]),
        (day + timedelta(days=1), [next_morning.reference]),
    ]


def test_day_view_today_tomorrow_and_week(front_desk_client, location):
    today = clinic_date()
    tonight = make_request(
        status="scheduled",
        appointment_location=location,
        appointment_at=timezone.make_aware(datetime.combine(today, datetime.min.time()))
        + timedelta(hours=22, minutes=30),
        phone="+16145550180",
    )
    tomorrow = make_request(
        status="scheduled",
        appointment_location=location,
        appointment_at=timezone.make_aware(
            datetime.combine(today + timedelta(days=1), datetime.min.time())
        )
        + timedelta(hours=9),
        phone="+16145550181",
    )

    today_page = front_desk_client.get(BOOKED_URL)
    tomorrow_page = front_desk_client.get(BOOKED_URL, {"day": "tomorrow"})

    assert [v.reference for _, vs in today_page.context["days"] for v in vs] == [tonight.reference]
    assert [v.reference for _, vs in tomorrow_page.context["days"] for v in vs] == [
        tomorrow.reference
    ]
    assert "10:30 PM" in today_page.text
    starts = timezone.localtime(tonight.appointment_at).isoformat()
    assert f'<time datetime="{starts}">10:30 PM</time>' in today_page.text
    assert f'<a href="{tonight.get_admin_url()}">{tonight.reference}</a>' in today_page.text
    assert "9:00 AM" in tomorrow_page.text
    assert "Lower back pain" not in today_page.text
    assert "booked_print.css" in today_page.text
    assert front_desk_client.get(BOOKED_URL, {"day": "week"}).status_code == HTTPStatus.OK


def test_booking_shows_in_the_list(front_desk_client, location):
    make_request(
        status="scheduled", appointment_location=location, appointment_at=local(2027, 3, 15, 9, 0)
    )

    response = front_desk_client.get(LIST_URL)

    assert "Mon Mar 15, 9:00 AM" in response.text


# The admin's home page.


def test_front_desk_home_counts_link_to_the_filtered_lists(
    front_desk_client, front_desk_user, location
):
    today = clinic_date()
    make_request()
    make_request(created=timezone.now() - timedelta(hours=48), phone="+16145550190")
    make_request(call_back_by=today, phone="+16145550191", assigned_to=front_desk_user)
    make_request(
        status="scheduled",
        appointment_location=location,
        appointment_at=timezone.make_aware(datetime.combine(today, datetime.min.time()))
        + timedelta(hours=23, minutes=30),
        phone="+16145550192",
    )

    response = front_desk_client.get("/admin/")

    text = response.text
    assert "Front desk today" in text
    assert '?status__exact=new"><strong>3</strong> new' in text
    assert '?overdue=yes"><strong>1</strong> overdue' in text
    assert '?call_back=today"><strong>1</strong> call-backs due today' in text
    assert 'booked/?day=today"><strong>1</strong> booked today' in text
    assert f"?assigned_to__id__exact={front_desk_user.pk}&amp;open=yes" in text
    assert "My open requests (1)" in text
    mine = front_desk_client.get(
        LIST_URL, {"assigned_to__id__exact": front_desk_user.pk, "open": "yes"}
    )
    assert mine.status_code == HTTPStatus.OK
    assert len(mine.context["cl"].result_list) == 1


def test_clinicians_home_shows_reviews_not_requests(clinician_client):
    response = clinician_client.get("/admin/")

    assert "Patient education" in response.text
    assert "?review_due=yes" in response.text
    assert "Front desk today" not in response.text
    assert "booked" not in response.text.lower()


def test_home_counts_take_few_queries(front_desk_client, django_assert_max_num_queries):
    for n in range(5):
        make_request(phone=f"+161455501{n:02d}")

    with django_assert_max_num_queries(12):
        front_desk_client.get("/admin/")


# Booking is one act (issue 27).


def test_a_date_time_and_location_on_an_open_request_books_it_in_one_save(
    front_desk_client, location
):
    appointment_request = make_request(email="dana@example.org", preferred_contact="email")
    when = local(2027, 3, 12, 9, 0)
    reached = {
        "contact_attempts-TOTAL_FORMS": "1",
        "contact_attempts-0-when_0": "2027-03-01",
        "contact_attempts-0-when_1": "10:00",
        "contact_attempts-0-method": "phone",
        "contact_attempts-0-outcome": "reached",
        "contact_attempts-0-note": "",
    }

    # The status is left as it was (New): the booking itself schedules it.
    response = front_desk_client.post(
        change_url(appointment_request),
        form_data(appointment_request, **booking_data(location, when, status="new"), **reached),
        follow=True,
    )

    appointment_request.refresh_from_db()
    assert appointment_request.status == "scheduled"
    assert appointment_request.first_contacted_at is not None
    assert Email.objects.filter(kind="booking: patient").count() == 1
    assert "is booked for Friday, March 12, 9:00 AM at Riverside (status Scheduled)" in (
        response.text
    )
    assert "queued to be emailed to the patient" in response.text


def test_half_a_booking_is_refused_with_what_is_missing(front_desk_client, location):
    appointment_request = make_request(status="contacted")

    response = front_desk_client.post(
        change_url(appointment_request),
        form_data(
            appointment_request,
            **booking_data(
                location, local(2027, 3, 12, 9, 0), status="contacted", appointment_location=""
            ),
        ),
    )

    assert response.status_code == HTTPStatus.OK
    assert "Choose the location to book it." in response.text
    appointment_request.refresh_from_db()
    assert (appointment_request.status, appointment_request.appointment_at) == ("contacted", None)


def test_clearing_a_booking_cancels_the_same_calendar_entry(front_desk_client, location):
    appointment_request = make_request(email="dana@example.org", preferred_contact="email")
    url = change_url(appointment_request)
    front_desk_client.post(
        url, form_data(appointment_request, **booking_data(location, local(2027, 3, 12, 9, 0)))
    )
    appointment_request.refresh_from_db()

    response = front_desk_client.post(url, form_data(appointment_request), follow=True)

    appointment_request.refresh_from_db()
    assert (appointment_request.status, appointment_request.appointment_at) == ("contacted", None)
    booked = Email.objects.get(kind="booking: patient")
    cancelled = Email.objects.get(kind="booking cancelled: patient")
    first, cancel = (
        Calendar.from_ical(email.attachments[0]["content"]) for email in (booked, cancelled)
    )
    event = cancel.walk("VEVENT")[0]
    assert cancel["method"] == "CANCEL" and event["status"] == "CANCELLED"
    assert event["uid"] == first.walk("VEVENT")[0]["uid"]
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == local(2027, 3, 12, 9, 0)
    assert "Friday, March 12, 2027 at 9:00 AM" in cancelled.body
    assert "The appointment of Friday, March 12, 9:00 AM is cancelled (status Contacted)" in (
        response.text
    )


def test_declining_a_booked_request_cancels_it_for_a_patient_without_email(
    front_desk_client, location
):
    appointment_request = make_request(preferred_contact="phone")
    url = change_url(appointment_request)
    when = timezone.now() + timedelta(days=3)
    front_desk_client.post(url, form_data(appointment_request, **booking_data(location, when)))
    appointment_request.refresh_from_db()

    response = front_desk_client.post(
        url,
        form_data(appointment_request, **booking_data(location, when, status="declined")),
        follow=True,
    )

    assert "is cancelled (status Declined). No email: the patient did not choose email" in (
        response.text
    )
    assert not Email.objects.filter(kind__startswith="booking").exists()


def test_logging_a_call_assigns_an_unassigned_request_to_the_caller(
    front_desk_client, front_desk_user
):
    appointment_request = make_request()
    voicemail = {
        "contact_attempts-TOTAL_FORMS": "1",
        "contact_attempts-0-when_0": "2027-03-01",
        "contact_attempts-0-when_1": "10:00",
        "contact_attempts-0-method": "phone",
        "contact_attempts-0-outcome": "voicemail",
        "contact_attempts-0-note": "",
    }

    response = front_desk_client.post(
        change_url(appointment_request), form_data(appointment_request, **voicemail), follow=True
    )

    appointment_request.refresh_from_db()
    assert appointment_request.assigned_to == front_desk_user
    assert f"{appointment_request.reference} is now assigned to you." in response.text


def test_an_untouched_new_call_log_row_is_not_an_error(front_desk_client, location):
    appointment_request = make_request()
    page = front_desk_client.get(change_url(appointment_request)).text
    initial = {
        name: value
        for name, value in re.findall(
            r'name="(initial-contact_attempts-0-when_\d)" value="([^"]*)"', page
        )
    }
    shown = dict(re.findall(r'name="(contact_attempts-0-when_\d)" value="([^"]*)"', page))
    assert set(shown) == {"contact_attempts-0-when_0", "contact_attempts-0-when_1"}

    response = front_desk_client.post(
        change_url(appointment_request),
        form_data(
            appointment_request,
            notes="Nothing to log yet",
            **{"contact_attempts-TOTAL_FORMS": "1", "contact_attempts-0-method": "phone"},
            **shown,
            **initial,
        ),
    )

    assert response.status_code == HTTPStatus.FOUND
    appointment_request.refresh_from_db()
    assert appointment_request.notes == "Nothing to log yet"
    assert not appointment_request.contact_attempts.exists()


def test_clearing_only_the_date_takes_the_whole_booking_back(front_desk_client, location):
    appointment_request = make_request(email="dana@example.org", preferred_contact="email")
    url = change_url(appointment_request)
    when = local(2027, 3, 12, 9, 0)
    front_desk_client.post(url, form_data(appointment_request, **booking_data(location, when)))
    appointment_request.refresh_from_db()

    front_desk_client.post(
        url,
        form_data(
            appointment_request,
            **booking_data(location, when, appointment_at_0="", appointment_at_1=""),
        ),
    )

    appointment_request.refresh_from_db()
    assert appointment_request.status == "contacted"
    assert (appointment_request.appointment_at, appointment_request.appointment_location) == (
        None,
        None,
    )
    assert Email.objects.filter(kind="booking cancelled: patient").count() == 1


def test_day_view_escapes_every_value_it_writes(front_desk_client, location):
    """The rows are written in Python (booked.table_row): whatever a patient typed, or
    staff named a clinician, a location or a visit type, shows as text."""
    from education.models import Clinician

    hostile = "<b>\"Dana\" & 'Co'</b>"
    location.name = hostile
    location.save()
    clinician = Clinician.objects.create(name=hostile, credentials="<i>MD</i>")
    visit = VisitType.objects.create(name=f"{hostile} visit")
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    booked = make_request(
        status="scheduled",
        first_name=hostile,
        last_name="<script>x</script>",
        appointment_location=location,
        appointment_at=noon,
        clinician=clinician,
        visit_type=visit,
        phone="+16145550182",
    )

    page = front_desk_client.get(BOOKED_URL).text

    assert "<b>" not in page and "<script>x" not in page and "<i>MD" not in page
    name = "&lt;b&gt;&quot;Dana&quot; &amp; &#x27;Co&#x27;&lt;/b&gt;"
    assert f"<td>{name} &lt;script&gt;x&lt;/script&gt;</td>" in page
    assert f"<td>{name}</td>" in page  # the location
    assert f"<td>{name}, &lt;i&gt;MD&lt;/i&gt;</td>" in page  # as Clinician.display_name
    assert f"<td>{name} visit</td>" in page
    assert f'<a href="{booked.get_admin_url()}">{booked.reference}</a>' in page
