"""The Request Appointment form: what the patient sees, what is stored, and bad input."""

import time
from http import HTTPStatus

import pytest
from django.core import signing

from appointments.models import AppointmentRequest
from appointments.views import RECEIVED_COOKIE, RECEIVED_SECONDS
from tests.appointments.conftest import (
    RECEIVED_URL,
    REQUEST_URL,
    form_data,
    make_article,
    signed_token,
)
from tests.clients import BrowserClient

pytestmark = pytest.mark.django_db

DESIGN_FIELD_NAMES = [
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
    "preferred_contact",
    "preferred_days",
    "preferred_time",
    "is_new_patient",
    "reason",
    "treatments_tried",
    "referring_provider",
    "insurance",
    "consent",
    "article",
    "website",
]


def test_form_shows_every_field_with_its_contract_name(client, location):
    response = client.get(REQUEST_URL)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for name in DESIGN_FIELD_NAMES:
        assert f'name="{name}"' in html, name
    assert 'name="form_token"' in html
    assert 'type="tel"' in html
    assert 'type="date"' in html


def test_form_and_received_pages_are_never_cached(client, location):
    response = client.get(REQUEST_URL)
    assert "no-store" in response["Cache-Control"]

    client.post(REQUEST_URL, form_data())
    received = client.get(RECEIVED_URL)
    assert "no-store" in received["Cache-Control"]


def test_form_warns_it_is_not_for_emergencies_and_offers_the_phone(client, location, settings):
    response = client.get(REQUEST_URL)

    assert "not for emergencies" in response.text
    assert "911" in response.text
    assert settings.CLINIC_PHONE in response.text


def test_one_location_is_not_asked_and_is_recorded(client, location):
    response = client.get(REQUEST_URL)
    assert 'name="location"' not in response.text

    client.post(REQUEST_URL, form_data())

    assert AppointmentRequest.objects.get().location == location


def test_several_locations_are_offered_and_one_must_be_chosen(client, two_locations):
    response = client.get(REQUEST_URL)
    assert response.text.count('name="location"') == 2

    response = client.post(REQUEST_URL, form_data())
    assert response.status_code == HTTPStatus.OK
    assert "Please choose a location." in response.text
    assert not AppointmentRequest.objects.exists()

    client.post(REQUEST_URL, form_data(location=two_locations[1].pk))
    assert AppointmentRequest.objects.get().location == two_locations[1]


def test_inactive_location_cannot_be_chosen(client, two_locations):
    make_inactive = two_locations[1]
    make_inactive.is_active = False
    make_inactive.save()
    response = client.post(REQUEST_URL, form_data(location=make_inactive.pk))
    # With one active location left, the form picks it and ignores the posted one.
    assert response.status_code == HTTPStatus.FOUND
    assert AppointmentRequest.objects.get().location == two_locations[0]


def test_valid_request_is_saved_normalised_and_redirects_to_received(client, location, settings):
    response = client.post(REQUEST_URL, form_data())

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == RECEIVED_URL
    saved = AppointmentRequest.objects.get()
    assert saved.phone == "+16148675309"
    assert saved.first_name == "Dana"
    assert saved.preferred_days == ["mon", "wed"]
    assert saved.preferred_time == "morning"
    assert saved.is_new_patient is True
    assert saved.consent is True
    assert saved.status == AppointmentRequest.Status.NEW
    assert saved.reference.startswith("AR-")
    # The reference goes to the received page in a signed cookie, and the patient gets
    # no session (with one, the edge would pass all their pages on to the app).
    cookie = response.cookies[RECEIVED_COOKIE]
    assert cookie.value.startswith(f"{saved.reference}:")
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_received_page_shows_reference_next_steps_and_phone(client, location, settings):
    client.post(REQUEST_URL, form_data())
    reference = AppointmentRequest.objects.get().reference

    response = client.get(RECEIVED_URL)

    assert response.status_code == HTTPStatus.OK
    assert reference in response.text
    assert "What happens next" in response.text
    assert "within one business day" in response.text
    assert settings.CLINIC_PHONE in response.text
    # Nothing the patient wrote is on the page or in its address.
    assert "Whitfield" not in response.text
    assert "Dana" not in response.text


def test_received_page_without_a_request_sends_patient_to_the_form(client):
    response = client.get(RECEIVED_URL)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == REQUEST_URL


def test_received_page_takes_no_forged_or_day_old_reference(client, location, monkeypatch):
    client.post(REQUEST_URL, form_data())
    signed = client.cookies[RECEIVED_COOKIE].value
    reference = AppointmentRequest.objects.get().reference

    client.cookies[RECEIVED_COOKIE] = signed.replace(reference, "AR-AAAAA")
    assert client.get(RECEIVED_URL)["Location"] == REQUEST_URL
    client.cookies[RECEIVED_COOKIE] = "AR-AAAAA"
    assert client.get(RECEIVED_URL)["Location"] == REQUEST_URL

    client.cookies[RECEIVED_COOKIE] = signed
    assert reference in client.get(RECEIVED_URL).text
    a_day_later = time.time() + RECEIVED_SECONDS + 60
    monkeypatch.setattr(signing.time, "time", lambda: a_day_later)
    assert client.get(RECEIVED_URL)["Location"] == REQUEST_URL


def test_the_received_page_keeps_the_reference_in_either_language(client, location):
    """Sent in Spanish, read in Spanish, then in English from the page's language link:
    the cookie is sent to both pages (a browser sends it wherever its path covers)."""
    response = client.post("/es" + REQUEST_URL, form_data())

    assert response["Location"] == "/es" + RECEIVED_URL
    assert response.cookies[RECEIVED_COOKIE]["path"] == "/"
    reference = AppointmentRequest.objects.get().reference
    spanish = client.get("/es" + RECEIVED_URL).text
    assert reference in spanish
    assert f'href="{RECEIVED_URL}"' in spanish  # the link to the English page
    assert reference in client.get(RECEIVED_URL).text


def test_names_are_trimmed(client, location):
    client.post(REQUEST_URL, form_data(first_name="  Dana ", last_name=" Whitfield  "))

    saved = AppointmentRequest.objects.get()
    assert (saved.first_name, saved.last_name) == ("Dana", "Whitfield")


def test_optional_fields_may_be_left_out(client, location):
    data = form_data()
    for name in [
        "date_of_birth",
        "email",
        "preferred_contact",
        "preferred_days",
        "preferred_time",
        "is_new_patient",
        "treatments_tried",
        "referring_provider",
        "insurance",
        "article",
        "website",
    ]:
        data.pop(name)

    response = client.post(REQUEST_URL, data)

    assert response.status_code == HTTPStatus.FOUND
    saved = AppointmentRequest.objects.get()
    assert saved.preferred_contact == "phone"
    assert saved.preferred_time == "any"
    assert saved.is_new_patient is None
    assert saved.preferred_days == []


@pytest.mark.parametrize("field", ["first_name", "last_name", "phone", "reason", "consent"])
def test_required_field_missing_is_named_and_nothing_is_saved(client, location, field):
    response = client.post(REQUEST_URL, form_data(**{field: None}))

    assert response.status_code == HTTPStatus.OK
    assert field in response.context["form"].errors
    assert not AppointmentRequest.objects.exists()


def test_invalid_phone_gets_a_clear_message_and_other_input_is_kept(client, location):
    response = client.post(REQUEST_URL, form_data(phone="555-1234"))

    assert response.status_code == HTTPStatus.OK
    assert "Include the area code" in response.text
    assert 'value="Whitfield"' in response.text
    assert "Lower back pain for three months" in response.text
    assert not AppointmentRequest.objects.exists()


def test_email_is_required_when_it_is_the_preferred_contact(client, location):
    response = client.post(REQUEST_URL, form_data(preferred_contact="email", email=""))

    assert "Please give your email address" in response.context["form"].errors["email"][0]
    assert not AppointmentRequest.objects.exists()


@pytest.mark.clock
@pytest.mark.parametrize("born", ["2999-01-01", "1890-01-01", "not-a-date"])
def test_implausible_date_of_birth_is_refused(client, location, born):
    response = client.post(REQUEST_URL, form_data(date_of_birth=born))

    assert "date_of_birth" in response.context["form"].errors
    assert not AppointmentRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("preferred_contact", "pigeon"),
        ("preferred_days", ["sat"]),
        ("preferred_time", "midnight"),
        ("is_new_patient", "maybe"),
        ("location", "999999"),
    ],
)
def test_invalid_choices_are_refused_without_error_pages(client, two_locations, field, value):
    data = form_data(location=two_locations[0].pk)
    data[field] = value

    response = client.post(REQUEST_URL, data)

    assert response.status_code == HTTPStatus.OK
    assert field in response.context["form"].errors
    assert not AppointmentRequest.objects.exists()


@pytest.mark.parametrize("field", [*DESIGN_FIELD_NAMES, "form_token", "location"])
@pytest.mark.parametrize("value", ["\x00", "Dana\x00Whitfield", "x" * 10_240, "<script>1</script>"])
def test_odd_input_never_causes_a_server_error(client, two_locations, field, value):
    data = form_data(location=two_locations[0].pk)
    data[field] = value

    response = client.post(REQUEST_URL, data)

    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    assert "<script>1</script>" not in response.text


def test_nul_bytes_get_a_message_and_no_row(client, location):
    response = client.post(REQUEST_URL, form_data(first_name="Da\x00na"))

    assert "first_name" in response.context["form"].errors
    assert not AppointmentRequest.objects.exists()


def test_very_long_reason_is_refused_with_the_limit(client, location):
    response = client.post(REQUEST_URL, form_data(reason="pain " * 2048))

    assert "at most 2000 characters" in response.text
    assert not AppointmentRequest.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_not_allowed(client, method):
    response = getattr(client, method)(REQUEST_URL)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_post_to_received_page_is_not_allowed(client):
    assert client.post(RECEIVED_URL).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_missing_csrf_token_gets_the_friendly_403(location):
    strict = BrowserClient(enforce_csrf_checks=True)

    response = strict.post(REQUEST_URL, form_data())

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Please try that again" in response.text
    assert not AppointmentRequest.objects.exists()


def test_article_from_the_address_is_shown_and_recorded(client, location, article):
    response = client.get(REQUEST_URL, {"article": article.slug})

    assert f'About: <a href="{article.get_absolute_url()}">{article.title}</a>' in response.text
    assert f'name="article" value="{article.slug}"' in response.text

    client.post(REQUEST_URL, form_data(article=article.slug))
    assert AppointmentRequest.objects.get().source_article == article


def test_unknown_or_draft_article_is_ignored(client, location):
    draft = make_article(slug="draft-one", title="Draft", status="draft")

    response = client.get(REQUEST_URL, {"article": draft.slug})
    assert "About:" not in response.text

    response = client.post(REQUEST_URL, form_data(article="no-such-article"))
    assert response.status_code == HTTPStatus.FOUND
    assert AppointmentRequest.objects.get().source_article is None


@pytest.mark.parametrize("slug", ["\x00", "a\x00b", "x" * 10_240, "../admin", "<b>"])
def test_odd_article_in_the_address_is_ignored(client, location, slug):
    response = client.get(REQUEST_URL, {"article": slug})

    assert response.status_code == HTTPStatus.OK
    assert "About:" not in response.text


def test_page_the_patient_came_from_is_recorded(client, location, article):
    page = client.get(
        REQUEST_URL, {"article": article.slug}, headers={"referer": "http://testserver/articles/x/"}
    )
    token = page.context["form_token"]
    # Pretend the patient took their time.
    from appointments.abuse import FormStamp

    stamp = FormStamp.read(token)
    aged = FormStamp(stamp.token, stamp.issued_at - 60, stamp.source_path).signed

    client.post(REQUEST_URL, form_data(form_token=aged))

    assert AppointmentRequest.objects.get().source_path == "/articles/x/"


def test_another_sites_address_is_not_recorded_as_source(client, location):
    page = client.get(REQUEST_URL, headers={"referer": "https://elsewhere.example/page"})

    from appointments.abuse import FormStamp

    assert FormStamp.read(page.context["form_token"]).source_path == ""


def test_filled_honeypot_looks_like_success_but_stores_and_sends_nothing(
    client, location, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REQUEST_URL, form_data(website="http://spam.example"), follow=True)

    assert response.status_code == HTTPStatus.OK
    assert "We have your request" in response.text
    assert not AppointmentRequest.objects.exists()
    assert mailoutbox == []


@pytest.mark.clock
def test_too_fast_submission_is_shown_again_with_input_kept(client, location, settings):
    settings.REQUEST_MIN_FILL_SECONDS = 3

    response = client.post(REQUEST_URL, form_data(form_token=signed_token(age=0)))

    assert response.status_code == HTTPStatus.OK
    assert "press “Send request” again" in response.text
    assert 'value="Whitfield"' in response.text
    assert not AppointmentRequest.objects.exists()


@pytest.mark.clock
def test_too_fast_submission_says_plainly_that_nothing_was_sent_yet(client, location, settings):
    settings.REQUEST_MIN_FILL_SECONDS = 3

    response = client.post(REQUEST_URL, form_data(form_token=signed_token(age=0)))

    html = response.text
    # The message sits in the list of problems that takes focus, once, and no field
    # is marked wrong: there is nothing for the patient to correct.
    problems = html[html.index('id="problems"') : html.index("</div>", html.index('id="problems"'))]
    assert "Your request has not been sent yet" in problems
    assert "press “Send request” again to send it" in problems
    assert html.count("press “Send request” again") == 1
    assert "is-invalid" not in html


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200b\u200b\u200b", "\u00a0\u00a0", "\u2060", "\ufeff", "\u200d\u200c", "\u3000"],
    ids=["zero-width", "zero-widths", "nbsp", "word-joiner", "bom", "joiners", "ideographic"],
)
@pytest.mark.parametrize("field", ["first_name", "last_name", "reason", "phone"])
def test_a_required_field_of_only_invisible_characters_is_empty(client, location, field, invisible):
    response = client.post(REQUEST_URL, form_data(**{field: invisible}))

    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors[field]
    assert not AppointmentRequest.objects.exists()


def test_invisible_characters_inside_a_visible_name_are_kept_as_typed(client, location):
    client.post(REQUEST_URL, form_data(first_name="Mehr\u200cnaz"))

    assert AppointmentRequest.objects.get().first_name == "Mehr\u200cnaz"


def test_an_optional_field_of_only_invisible_characters_is_stored_empty(client, location):
    client.post(REQUEST_URL, form_data(insurance="\u200b\u00a0"))

    assert AppointmentRequest.objects.get().insurance == ""


def test_a_malformed_email_gets_a_kind_message_with_an_example(client, location):
    response = client.post(REQUEST_URL, form_data(email="dana at example"))

    errors = response.context["form"].errors["email"]
    assert errors == [
        "Please check your email address. It should look like name@example.com, with no spaces."
    ]
    assert not AppointmentRequest.objects.exists()


@pytest.mark.clock
def test_pressing_send_again_after_too_fast_succeeds(client, location, settings):
    settings.REQUEST_MIN_FILL_SECONDS = 3
    token = signed_token(age=0)
    client.post(REQUEST_URL, form_data(form_token=token))

    settings.REQUEST_MIN_FILL_SECONDS = 0  # as if the patient waited a moment
    response = client.post(REQUEST_URL, form_data(form_token=token))

    assert response.status_code == HTTPStatus.FOUND
    assert AppointmentRequest.objects.count() == 1


@pytest.mark.parametrize("token", [None, "", "forged", signed_token().replace(":", ";")])
def test_missing_or_forged_token_asks_again_with_a_fresh_one(client, location, token):
    response = client.post(REQUEST_URL, form_data(form_token=token))

    assert response.status_code == HTTPStatus.OK
    assert "press “Send request” again" in response.text
    assert response.context["form_token"] != token
    assert not AppointmentRequest.objects.exists()


def test_double_submit_creates_one_request_and_shows_the_same_reference(client, location):
    data = form_data()

    first = client.post(REQUEST_URL, data, follow=True)
    second = client.post(REQUEST_URL, data, follow=True)

    assert AppointmentRequest.objects.count() == 1
    reference = AppointmentRequest.objects.get().reference
    assert reference in first.text
    assert reference in second.text


def test_double_submit_from_another_browser_session_still_creates_one(location):
    data = form_data()

    BrowserClient().post(REQUEST_URL, data)
    response = BrowserClient().post(REQUEST_URL, data, follow=True)

    assert AppointmentRequest.objects.count() == 1
    assert AppointmentRequest.objects.get().reference in response.text


def test_no_patient_data_in_redirects_or_cookies(client, location):
    response = client.post(REQUEST_URL, form_data())

    assert response["Location"] == RECEIVED_URL
    for morsel in response.cookies.values():
        for secret in ("Dana", "Whitfield", "8675309", "dana@example.com", "1956"):
            assert secret not in morsel.value


def test_post_values_are_hidden_from_error_reports(rf, location):
    from appointments.views import request_appointment

    request = rf.post(REQUEST_URL, form_data())
    request.session = {}
    request._dont_enforce_csrf_checks = True
    request_appointment(request)

    assert request.sensitive_post_parameters == "__ALL__"


def test_form_works_without_javascript(client, location):
    """A plain HTML form posting to itself: nothing needs a script to send it."""
    response = client.get(REQUEST_URL)

    assert f'<form method="post" action="{REQUEST_URL}"' in response.text
    assert '<button type="submit"' in response.text
    assert "<script" not in response.text.split('class="request-form"')[1].split("</form>")[0]
