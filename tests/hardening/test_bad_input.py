"""Bad input to the Request Appointment form (issue 6).

Each case either gets a clear error beside the field and writes no row, or is stored
exactly as typed and shown escaped everywhere: the received page, the admin, the CSV
export and the emails. Nothing here may produce a 500.

tests/appointments/test_request_form.py already covers missing required fields, the
first invalid choices, NUL bytes and 10 kB values in every field, PUT/PATCH/DELETE and
a missing CSRF token; the cases below are the rest.
"""

import csv
import io
import re
from datetime import date
from http import HTTPStatus

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import linebreaksbr
from django.test.client import MULTIPART_CONTENT
from django.utils.html import escape

from appointments.models import AppointmentRequest
from tests.appointments.conftest import REQUEST_URL, form_data, spreadsheet_safe
from tests.clients import BrowserClient

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/appointments/appointmentrequest/"


def valid_data(locations, **overrides):
    """A complete, valid submission for the two-location clinic."""
    return form_data(**{"location": locations[0].pk, **overrides})


# Refused: a clear error beside the field, the rest of the input kept, no row.

REFUSED = [
    pytest.param("first_name", "x" * 101, id="first-name-one-over-100"),
    pytest.param("last_name", "y" * 20_000, id="last-name-20k-characters"),
    pytest.param("reason", "r" * 2001, id="reason-one-over-2000"),
    pytest.param("treatments_tried", "t" * 40_000, id="treatments-40k-characters"),
    pytest.param("referring_provider", "p" * 201, id="referring-provider-over-200"),
    pytest.param("insurance", "i" * 201, id="insurance-over-200"),
    pytest.param("email", "a" * 245 + "@example.com", id="email-over-254"),
    pytest.param("reason", "back pain\x00", id="nul-in-reason"),
    pytest.param("email", "dana\x00@example.com", id="nul-in-email"),
    pytest.param("phone", "614\x00867\x005309", id="nul-in-phone"),
    pytest.param("insurance", "Acme\x00 PPO", id="nul-in-insurance"),
    pytest.param("email", "a@b.com\nBcc: x@y.com", id="email-header-injection-lf"),
    pytest.param("email", "a@b.com\r\nBcc: x@y.com", id="email-header-injection-crlf"),
    pytest.param("email", "dana@example.com, eve@example.com", id="email-two-recipients"),
    pytest.param("email", "<script>@example.com", id="email-with-markup"),
    pytest.param("phone", "call me maybe", id="phone-words"),
    pytest.param("phone", "(614) 867-53O9", id="phone-letter-o-for-zero"),
    pytest.param("phone", "614-867-JENNY", id="phone-letters-too-many-digits"),
    pytest.param("phone", "614-867-5309 ext. 12", id="phone-with-extension"),
    pytest.param("phone", "' OR 1=1; --", id="phone-sql"),
    pytest.param("phone", "5" * 41, id="phone-over-40"),
    pytest.param("date_of_birth", "2023-02-30", id="date-february-30"),
    pytest.param("date_of_birth", "1956-13-01", id="date-month-13"),
    pytest.param("date_of_birth", "0000-00-00", id="date-zeros"),
    pytest.param("date_of_birth", "99999-01-01", id="date-five-digit-year"),
    pytest.param("date_of_birth", "1956-04-12'; DROP TABLE x;--", id="date-sql"),
    pytest.param("preferred_contact", "PHONE", id="contact-wrong-case"),
    pytest.param("preferred_contact", ["phone", "pigeon"], id="contact-duplicated-last-invalid"),
    pytest.param("preferred_days", ["mon", "sun"], id="days-sunday"),
    pytest.param("preferred_days", ["<b>mon</b>"], id="days-markup"),
    pytest.param("preferred_time", "morning; DROP TABLE x", id="time-sql"),
    pytest.param("is_new_patient", "true", id="new-patient-true"),
    pytest.param("location", "abc", id="location-letters"),
    pytest.param("location", "-1", id="location-negative"),
    pytest.param("location", "1 OR 1=1", id="location-sql"),
    pytest.param("location", "9" * 30, id="location-beyond-bigint"),
    pytest.param("consent", "false", id="consent-false"),
    pytest.param("first_name", "  \t ", id="first-name-only-whitespace"),
    pytest.param("reason", "\r\n\t ", id="reason-only-line-breaks"),
]


@pytest.mark.parametrize(("field", "value"), REFUSED)
def test_refused_with_an_error_beside_the_field_and_no_row(client, two_locations, field, value):
    data = valid_data(two_locations, **{field: value})

    response = client.post(REQUEST_URL, data)

    assert response.status_code == HTTPStatus.OK
    assert field in response.context["form"].errors
    assert f'id="error_1_id_{field}"' in response.text  # crispy puts it under the input
    assert not AppointmentRequest.objects.exists()


@pytest.mark.parametrize(("field", "value"), REFUSED)
def test_refused_input_keeps_the_rest_of_what_the_patient_typed(
    client, two_locations, field, value
):
    data = valid_data(two_locations, **{field: value})

    response = client.post(REQUEST_URL, data)

    kept = 'value="Whitfield"' if field == "reason" else escape(data["reason"])
    assert kept in response.text


def test_an_invalid_choice_is_never_echoed_as_markup(client, two_locations):
    response = client.post(REQUEST_URL, valid_data(two_locations, preferred_days=["<b>mon</b>"]))

    assert "&lt;b&gt;mon&lt;/b&gt;" in response.text
    assert "<b>mon</b>" not in response.text


# Stored exactly as typed, and escaped wherever it is shown.

STORED_TEXT = [
    pytest.param("first_name", "<script>alert('name')</script>", id="script-in-first-name"),
    pytest.param("last_name", 'O\'Brien-Ñúñez "Jr." & Sons', id="quotes-accents-ampersand"),
    pytest.param(
        "reason", '<img src=x onerror="alert(1)"> <b>bold</b> &amp; </textarea>', id="html-reason"
    ),
    pytest.param(
        "treatments_tried",
        "Robert'); DROP TABLE appointments_appointmentrequest;--",
        id="sql-drop-table",
    ),
    pytest.param("referring_provider", "' OR '1'='1' --", id="sql-always-true"),
    pytest.param(
        "insurance", '=HYPERLINK("http://evil.example","Click")', id="spreadsheet-formula"
    ),
    pytest.param("first_name", "\u202eanaD", id="right-to-left-override"),
    pytest.param("last_name", "Whit\u2066field\u2069\u200d", id="bidi-isolate-zero-width-joiner"),
    pytest.param("reason", "pain \x1b[31mred\x1b[0m \x07\x08\x7f", id="control-characters"),
    pytest.param("reason", "Line one\r\nLine two\u2028Line three", id="line-breaks"),
    pytest.param("reason", " ".join(["😣"] * 1000), id="emoji"),
    pytest.param("reason", "r" * 2000, id="reason-at-its-2000-limit"),
    pytest.param("first_name", "N" * 100, id="first-name-at-its-100-limit"),
    pytest.param("email", "dana@bücher.example", id="internationalised-email-domain"),
    pytest.param("treatments_tried", "{{ 7*7 }} {% debug %} ${7*7} #{7*7}", id="template-syntax"),
    pytest.param("referring_provider", "%s %(name)s {0} \\x00 \\n", id="format-strings"),
]

CSV_COLUMNS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "reason": "Reason",
    "treatments_tried": "Treatments tried",
    "referring_provider": "Referring provider",
    "insurance": "Insurance",
}


def submit(client, capture, data):
    """Send the form, run the emails as after a real commit, follow to the received page."""
    with capture(execute=True):
        response = client.post(REQUEST_URL, data, follow=True)
    assert response.status_code == HTTPStatus.OK
    assert "We have your request" in response.text
    return response


@pytest.mark.parametrize(("field", "value"), STORED_TEXT)
def test_stored_exactly_as_typed(
    client, two_locations, django_capture_on_commit_callbacks, field, value
):
    submit(client, django_capture_on_commit_callbacks, valid_data(two_locations, **{field: value}))

    assert getattr(AppointmentRequest.objects.get(), field) == value


@pytest.mark.parametrize(("field", "value"), STORED_TEXT)
def test_shown_escaped_in_the_admin(
    client, front_desk_user, two_locations, django_capture_on_commit_callbacks, field, value
):
    submit(client, django_capture_on_commit_callbacks, valid_data(two_locations, **{field: value}))
    saved = AppointmentRequest.objects.get()
    staff = BrowserClient()
    staff.force_login(front_desk_user)

    change_page = staff.get(saved.get_admin_url()).text
    list_page = staff.get(LIST_URL).text

    assert linebreaksbr(value) in change_page  # escaped, line breaks as <br>
    if field in ("first_name", "last_name"):
        assert escape(value) in list_page
    if "<" in value:
        assert value not in change_page
        assert value not in list_page


@pytest.mark.parametrize(("field", "value"), STORED_TEXT)
def test_exported_exactly_and_formula_safe_in_the_csv(
    client, front_desk_user, two_locations, django_capture_on_commit_callbacks, field, value
):
    submit(client, django_capture_on_commit_callbacks, valid_data(two_locations, **{field: value}))
    saved = AppointmentRequest.objects.get()
    staff = BrowserClient()
    staff.force_login(front_desk_user)

    export = staff.post(LIST_URL, {"action": "export_csv", "_selected_action": [saved.pk]})

    rows = list(csv.DictReader(io.StringIO(export.getvalue().decode("utf-8-sig"), newline="")))
    assert [row[CSV_COLUMNS[field]] for row in rows] == [spreadsheet_safe(value)]


@pytest.mark.parametrize(("field", "value"), STORED_TEXT)
def test_never_echoed_on_the_received_page_or_in_emails(
    client, two_locations, mailoutbox, django_capture_on_commit_callbacks, field, value
):
    received = submit(
        client, django_capture_on_commit_callbacks, valid_data(two_locations, **{field: value})
    )

    assert value not in received.text
    assert escape(value) not in received.text
    assert len(mailoutbox) == 2  # the front desk's and the patient's
    for message in mailoutbox:
        headers = [
            header_value
            for name, header_value in message.message().items()
            if not (name == "To" and message.to == [value])  # the patient's own address
        ]
        for text in (message.subject, message.body, *headers):
            assert value not in text


def full_width(text):
    """The full-width forms of ASCII characters, as East Asian keyboards type them."""
    return "".join(chr(ord(character) + 0xFEE0) for character in text)


STORED_NORMALISED = [
    pytest.param(
        "phone", full_width("(614)867-5309"), "+16148675309", id="phone-full-width-digits"
    ),
    pytest.param("phone", "٦١٤٨٦٧٥٣٠٩", "+16148675309", id="phone-arabic-indic-digits"),
    pytest.param("phone", "1-800-FLOWERS", "+18003569377", id="phone-letters-as-on-a-keypad"),
    pytest.param(
        "phone", "\u202e(614) 867-5309", "+16148675309", id="phone-right-to-left-override"
    ),
    pytest.param("date_of_birth", "12/31/1960", date(1960, 12, 31), id="date-us-format"),
    pytest.param("preferred_days", ["tue", "mon", "mon"], ["mon", "tue"], id="days-duplicated"),
    pytest.param("preferred_time", ["morning", "afternoon"], "afternoon", id="time-duplicated"),
    pytest.param("first_name", ["Ann", "Bea"], "Bea", id="name-duplicated-last-wins"),
]


@pytest.mark.parametrize(("field", "value", "stored"), STORED_NORMALISED)
def test_stored_in_its_normal_form(client, two_locations, field, value, stored):
    response = client.post(REQUEST_URL, valid_data(two_locations, **{field: value}))

    assert response.status_code == HTTPStatus.FOUND
    assert getattr(AppointmentRequest.objects.get(), field) == stored


EXTRA_FIELDS = [
    pytest.param("status", "scheduled", "status", "new", id="status"),
    pytest.param("assigned_to", "1", "assigned_to_id", None, id="assigned-to"),
    pytest.param("notes", "<b>VIP</b>", "notes", "", id="notes"),
    pytest.param("first_contacted_at", "2020-01-01 10:00", "first_contacted_at", None, id="first"),
    pytest.param("source_path", "/forged/", "source_path", "", id="source-path"),
    pytest.param("id", "424242", "pk", None, id="primary-key"),
]


@pytest.mark.parametrize(("name", "value", "attribute", "default"), EXTRA_FIELDS)
def test_fields_the_form_does_not_have_are_ignored(
    client, front_desk_user, two_locations, name, value, attribute, default
):
    response = client.post(REQUEST_URL, valid_data(two_locations, **{name: value}))

    assert response.status_code == HTTPStatus.FOUND
    saved = AppointmentRequest.objects.get()
    if attribute == "pk":
        assert saved.pk != int(value)
    else:
        assert getattr(saved, attribute) == default


def test_a_reference_cannot_be_chosen_by_the_patient(client, two_locations):
    client.post(REQUEST_URL, valid_data(two_locations, reference="AR-AAAAA"))

    assert AppointmentRequest.objects.get().reference != "AR-AAAAA"


# Whole requests that are malformed.


def bad_request_page(response):
    return (
        response.status_code == HTTPStatus.BAD_REQUEST
        and "Something was wrong with that request" in response.text
        and django_settings.CLINIC_PHONE in response.text
    )


def urlencoded(data):
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)


def test_more_fields_than_allowed_gets_the_400_page(client, two_locations, settings):
    data = valid_data(two_locations)
    data.update({f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)})

    response = client.post(
        REQUEST_URL, urlencoded(data), content_type="application/x-www-form-urlencoded"
    )

    assert bad_request_page(response)
    assert not AppointmentRequest.objects.exists()


@pytest.mark.parametrize("size", ["just-over", "1-MB", "over-django-limit"])
def test_a_body_over_the_size_limit_gets_the_413_page_unread(client, two_locations, settings, size):
    length = {
        "just-over": settings.PUBLIC_MAX_BODY_BYTES,
        "1-MB": 1_000_000,
        "over-django-limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    }[size]
    data = valid_data(two_locations, treatments_tried="t" * length)

    response = client.post(REQUEST_URL, data)

    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "That was more than we can take" in response.text
    assert django_settings.CLINIC_PHONE in response.text
    assert not AppointmentRequest.objects.exists()


def test_a_multipart_body_to_the_form_gets_the_415_page(client, two_locations):
    response = client.post(REQUEST_URL, valid_data(two_locations), content_type=MULTIPART_CONTENT)

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert "We could not take that file" in response.text
    assert not AppointmentRequest.objects.exists()


# Multipart bodies reach Django only on the admin (uploads); the public pages refuse
# them unread (above). These guard the admin's.
ADMIN_LOGIN = "/admin/login/"


def test_a_multipart_body_without_a_boundary_gets_the_400_page(client, location):
    response = client.post(ADMIN_LOGIN, b"username=x", content_type="multipart/form-data")

    assert bad_request_page(response)


FORM_ENCODING_MIDDLEWARE = "clinic.middleware.FormEncodingMiddleware"


@pytest.mark.xfail(
    FORM_ENCODING_MIDDLEWARE not in django_settings.MIDDLEWARE,
    raises=AssertionError,  # a 500 page instead of the 400 one
    reason=f"needs {FORM_ENCODING_MIDDLEWARE} in MIDDLEWARE (clinic/settings.py)",
    strict=True,
)
@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib", "utf-16"])
def test_a_multipart_body_in_a_charset_other_than_utf8_gets_the_400_page(location, charset):
    # Django decodes multipart fields in the declared codec; bytes-to-bytes codecs
    # (rot13, base64, zlib) raised LookupError there: a 500.
    client = BrowserClient(raise_request_exception=False)
    body = b'--zz\r\nContent-Disposition: form-data; name="first_name"\r\n\r\nDana\r\n--zz--\r\n'

    response = client.generic(
        "POST", ADMIN_LOGIN, body, f"multipart/form-data; boundary=zz; charset={charset}"
    )

    assert bad_request_page(response)


def wsgi_environ(content_type):
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": REQUEST_URL,
        "QUERY_STRING": "article=x",
        "CONTENT_TYPE": content_type,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }


def test_a_query_string_with_a_non_text_charset_header_gets_the_400_page():
    # Django fails while building the request, before any middleware, so the guard
    # sits in the WSGI application gunicorn serves: call that one.
    from clinic.wsgi import application

    statuses = []
    body = b"".join(
        application(
            wsgi_environ("text/plain; charset=rot13"),
            lambda status, headers: statuses.append(status),
        )
    )

    assert statuses == ["400 Bad Request"]
    assert "Something was wrong with that request" in body.decode()


@pytest.mark.parametrize("content_type", ["text/plain; charset=latin-1", "text/plain", ""])
def test_text_charsets_pass_the_guard_to_the_site(content_type):
    from clinic.wsgi import refuse_non_text_charsets

    reached = []
    guarded = refuse_non_text_charsets(lambda environ, start_response: reached.append(1) or [])

    guarded(wsgi_environ(content_type), lambda status, headers: None)

    assert reached == [1]


def test_a_json_body_gets_the_form_back_naming_every_required_field(client, location):
    response = client.post(
        REQUEST_URL, {"first_name": "Dana", "consent": True}, content_type="application/json"
    )

    assert response.status_code == HTTPStatus.OK
    errors = response.context["form"].errors
    assert {"first_name", "last_name", "phone", "reason", "consent"} <= set(errors)
    assert not AppointmentRequest.objects.exists()


def test_a_file_in_place_of_a_name_is_refused(client, location):
    data = form_data(first_name=SimpleUploadedFile("name.txt", b"Dana"))

    response = client.post(REQUEST_URL, data)

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert not AppointmentRequest.objects.exists()


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PROPFIND"])
def test_other_methods_get_405_naming_the_allowed_ones(client, location, method):
    response = client.generic(method, REQUEST_URL)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "GET, HEAD, POST"


def csrf_token_of(page):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


@pytest.mark.parametrize("token", ["garbage", "x" * 64, "another-browsers"])
def test_a_wrong_csrf_token_gets_the_friendly_403(location, settings, token):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.get(REQUEST_URL)  # sets this browser's CSRF cookie
    if token == "another-browsers":
        token = csrf_token_of(BrowserClient(enforce_csrf_checks=True).get(REQUEST_URL))

    response = browser.post(REQUEST_URL, form_data(csrfmiddlewaretoken=token))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Please try that again" in response.text
    assert settings.CLINIC_PHONE in response.text
    assert not AppointmentRequest.objects.exists()


def test_the_right_csrf_token_goes_through(location):
    """The counterpart of the test above: the same browser, its own token."""
    browser = BrowserClient(enforce_csrf_checks=True)
    token = csrf_token_of(browser.get(REQUEST_URL))

    response = browser.post(REQUEST_URL, form_data(csrfmiddlewaretoken=token))

    assert response.status_code == HTTPStatus.FOUND
    assert AppointmentRequest.objects.count() == 1
