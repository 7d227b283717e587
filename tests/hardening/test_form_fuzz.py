"""Random input thrown at the Request Appointment view (hypothesis, issue 6).

Whatever arrives, the patient gets the form back with errors (and nothing is stored)
or the received page (and exactly one valid row is stored). Never a server error.
"""

from http import HTTPStatus
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from appointments.models import AppointmentRequest
from core.text import is_invisible
from tests.appointments.conftest import REQUEST_URL, form_data, signed_token

pytestmark = pytest.mark.django_db

FUZZ_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,  # nothing written to .hypothesis/ in the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALID = form_data()
TEXT_FIELDS = [
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
    "preferred_contact",
    "preferred_time",
    "is_new_patient",
    "reason",
    "treatments_tried",
    "referring_provider",
    "insurance",
    "consent",
    "article",
]

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\u202e",
        "<script>alert(1)</script>",
        "'; DROP TABLE appointments_appointmentrequest; --",
        "".join(chr(ord("9") + 0xFEE0) for _ in range(3)),  # full-width nines
        "+1 (614) 867-5309",
        "614-867-5309 ext. 9",
        "2024-02-30",
        "12/31/1960",
        "a@b.com\nBcc: x@y.com",
        "x" * 2001,
        "{{ 7*7 }}",
        "-1",
        "9" * 30,
    ]
)
ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=150),  # no lone surrogates:
    NASTY,  # they cannot be sent as UTF-8
)
DAYS = st.lists(
    st.one_of(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", ""]), ANY_TEXT),
    max_size=8,
)

CHOSEN_LOCATION = object()  # stands for the first location's id, known only in the test


@st.composite
def submissions(draw):
    """Each field valid, random, or left out; the honeypot mostly empty."""
    data = {}
    for name in TEXT_FIELDS:
        kind = draw(st.sampled_from(["valid", "valid", "random", "missing"]))
        if kind == "valid":
            data[name] = VALID.get(name, "")
        elif kind == "random":
            data[name] = draw(ANY_TEXT)
    data["preferred_days"] = draw(st.one_of(st.just(VALID["preferred_days"]), DAYS))
    data["website"] = draw(st.one_of(st.just(""), st.just(""), ANY_TEXT))
    data["location"] = draw(st.one_of(st.just(CHOSEN_LOCATION), ANY_TEXT))
    return data


@pytest.fixture
def location_id(settings, two_locations):
    """Two locations (so the form asks), and no rate limit in the way."""
    settings.REQUEST_RATE_LIMIT = 1_000_000
    return two_locations[0].pk


def fills_honeypot(value):
    """What the form counts as a bot: something visible in the hidden field. A value
    that prints nothing (a NUL, a zero-width space) counts as empty, as in every field:
    the request is kept rather than risk losing a patient's."""
    return not is_invisible(value)


def assert_outcome_matches_what_was_stored(response, rows_before, honeypot):
    rows_after = AppointmentRequest.objects.count()
    event(f"HTTP {response.status_code}")  # see --hypothesis-show-statistics
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND), response.status_code
    if response.status_code == HTTPStatus.OK:
        assert response.context["form"].errors  # the form back, saying what is wrong
        assert rows_after == rows_before
    elif honeypot:
        assert rows_after == rows_before  # a bot: success page, nothing kept
    else:
        assert rows_after == rows_before + 1
        saved = AppointmentRequest.objects.order_by("-pk").first()
        saved.full_clean()  # what was stored obeys every rule of the model
        assert saved.phone.startswith("+")


@FUZZ_SETTINGS
@given(data=submissions(), token_is_valid=st.booleans())
def test_random_text_never_causes_a_server_error(client, location_id, data, token_is_valid):
    if data["location"] is CHOSEN_LOCATION:
        data["location"] = location_id
    data["form_token"] = signed_token() if token_is_valid else "junk"
    rows_before = AppointmentRequest.objects.count()

    response = client.post(REQUEST_URL, data)

    assert_outcome_matches_what_was_stored(response, rows_before, fills_honeypot(data["website"]))


@FUZZ_SETTINGS
@given(
    values=st.dictionaries(
        st.sampled_from([*TEXT_FIELDS, "preferred_days", "website"]), st.binary(max_size=80)
    ),
    extra=st.dictionaries(st.binary(min_size=1, max_size=20), st.binary(max_size=20), max_size=3),
)
def test_random_bytes_never_cause_a_server_error(client, location_id, values, extra):
    """Raw, possibly invalid UTF-8, url-encoded as a browser would, on top of a valid form."""
    valid = form_data(location=str(location_id), preferred_days="mon")
    fields = {key.encode(): value.encode() for key, value in valid.items()}
    fields.update({key.encode(): value for key, value in values.items()})
    fields.update(extra)
    body = "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in fields.items())
    rows_before = AppointmentRequest.objects.count()

    response = client.post(REQUEST_URL, body, content_type="application/x-www-form-urlencoded")

    honeypot = fills_honeypot(fields.get(b"website", b"").decode("utf-8", "replace"))
    assert_outcome_matches_what_was_stored(response, rows_before, honeypot)


def test_a_honeypot_holding_only_invisible_characters_keeps_the_request(client, location_id):
    # Found by the fuzzer above: a NUL alone in the hidden field.
    rows_before = AppointmentRequest.objects.count()
    data = form_data(location=str(location_id), website="\x00\u200b ")

    response = client.post(REQUEST_URL, data)

    assert response.status_code == HTTPStatus.FOUND
    assert AppointmentRequest.objects.count() == rows_before + 1
