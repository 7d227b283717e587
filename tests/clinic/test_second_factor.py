"""The second factor for staff (issue 29): a password alone opens nothing with patient
data; enrolment on first sign-in; an app code and a recovery code each work once;
wrong codes lock the account like wrong passwords; the manager's reset is recorded.

Codes are worked out here from the secret (RFC 6238), not by the library under test.
"""

import hashlib
import hmac
import re
import struct
import time
from base64 import b32decode

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.roles import FRONT_DESK
from core.outbox import send_later
from tests.appointments.conftest import make_request
from tests.clinic.test_settings import settings_in_process

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
PATIENT = {"first_name": "Zebulon", "last_name": "Quixfeather", "phone": "+16145550199"}


def totp_code(key_bytes, at=None, step=30, digits=6):
    """RFC 6238 (HMAC-SHA1), as an authenticator app computes it."""
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key_bytes, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


@pytest.fixture
def second_factor(settings):
    """The production rule: staff need the second factor (tests/settings.py turns it off)."""
    settings.STAFF_SECOND_FACTOR = True
    settings.AXES_FAILURE_LIMIT = 5


@pytest.fixture
def desk_user(django_user_model, second_factor):
    from tests.conftest import make_staff

    return make_staff(django_user_model, "desk", FRONT_DESK)


@pytest.fixture
def app_device(desk_user):
    return TOTPDevice.objects.create(user=desk_user, name="phone", confirmed=True)


def sign_in(client, username="desk", password=PASSWORD, next_url="/admin/"):
    return client.post(
        f"/admin/login/?next={next_url}",
        {"username": username, "password": password, "next": next_url},
    )


def patient_pages():
    appointment_request = make_request(**PATIENT)
    email = send_later(
        kind="test", to=["zebulon@example.org"], subject=appointment_request.reference, body="b"
    )
    version = appointment_request.history.first().history_id
    base = f"/admin/appointments/appointmentrequest/{appointment_request.pk}"
    return [
        "/admin/",
        "/admin/appointments/appointmentrequest/",
        f"{base}/change/",
        f"{base}/history/",
        f"{base}/history/{version}/",
        "/admin/appointments/appointmentrequest/booked/?day=week",
        f"/admin/core/email/{email.pk}/change/",
        "/admin/core/email/",
    ]


def assert_closed(client, paths):
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path
        assert b"Quixfeather" not in response.content


def test_production_default_requires_it_and_only_debug_may_turn_it_off():
    production = {"DJANGO_SECRET_KEY": "k" * 50}
    assert settings_in_process(production, "STAFF_SECOND_FACTOR") == {"STAFF_SECOND_FACTOR": "True"}
    # make run: DEBUG on, so the demo accounts sign in with their password alone.
    assert settings_in_process({"DJANGO_DEBUG": "1"}, "STAFF_SECOND_FACTOR") == {
        "STAFF_SECOND_FACTOR": "False"
    }


def test_turning_it_off_without_debug_is_a_startup_error():
    from tests.clinic.test_settings import run_manage

    result = run_manage(
        "check",
        env={
            "DJANGO_SECRET_KEY": "k" * 50,
            "DJANGO_ALLOWED_HOSTS": "x",
            "STAFF_SECOND_FACTOR": "0",
        },
    )

    assert result.returncode != 0
    assert "STAFF_SECOND_FACTOR=0 is for development only" in result.stderr


def test_a_password_alone_opens_no_page_with_patient_data(client, app_device):
    paths = patient_pages()

    response = sign_in(client)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/second-factor/")
    assert "_auth_user_id" not in client.session  # nobody is logged in yet
    assert_closed(client, paths)


def test_first_sign_in_is_logged_in_for_enrolment_only(client, desk_user):
    paths = patient_pages()

    response = sign_in(client)

    assert response["Location"].startswith("/admin/second-factor/enrol/")
    assert_closed(client, paths)
    # The login page sends a half-signed-in user back to enrolment.
    assert client.get("/admin/login/")["Location"].startswith("/admin/second-factor/enrol/")


def test_enrolment_with_an_app_gives_ten_recovery_codes_once(client, desk_user, settings):
    # django-otp's growing wait after a wrong code, off so that the right one can follow.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    sign_in(client)
    page = client.get("/admin/second-factor/enrol/?next=/admin/")
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content  # the QR code, no script needed
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.content.decode()).group(1)
    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))

    wrong = client.post("/admin/second-factor/enrol/", {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 200 and b"not right" in wrong.content

    done = client.post("/admin/second-factor/enrol/", {"code": totp_code(key), "next": "/admin/"})
    assert done["Location"].startswith("/admin/second-factor/recovery-codes/")
    codes_page = client.get(done["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", codes_page.content.decode())
    assert len(codes) == 10 == StaticToken.objects.filter(device__user=desk_user).count()
    # Shown once only.
    assert client.get(done["Location"]).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.get(user=desk_user).confirmed


def second_step(client, code):
    return client.post("/admin/second-factor/?next=/admin/", {"code": code, "next": "/admin/"})


def test_an_app_code_works_once(client, app_device):
    code = totp_code(app_device.bin_key)
    sign_in(client)

    response = second_step(client, code)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/appointments/appointmentrequest/").status_code == 200

    # Signed out, and the same code again: refused.
    client.post("/admin/logout/")
    sign_in(client)
    again = second_step(client, code)
    assert again.status_code == 200
    assert b"not right, or it has been used already" in again.content
    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_works_once(client, app_device, desk_user):
    device = StaticDevice.objects.create(user=desk_user, name="Recovery codes")
    device.token_set.create(token="abcd2345ef")
    device.token_set.create(token="zzzz7777qq")

    sign_in(client)
    assert second_step(client, "ABCD 2345 EF")["Location"] == "/admin/"  # as typed
    assert client.get("/admin/").status_code == 200

    client.post("/admin/logout/")
    sign_in(client)
    assert second_step(client, "abcd2345ef").status_code == 200  # used up
    assert client.get("/admin/").status_code == 302
    assert list(device.token_set.values_list("token", flat=True)) == ["zzzz7777qq"]


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, app_device):
    sign_in(client)
    for _ in range(4):
        assert second_step(client, "123456").status_code == 200
    locked = second_step(client, "654321")

    assert locked.status_code in (403, 429)
    assert b"locked" in locked.content.lower()
    assert AccessAttempt.objects.filter(username="desk").exists()
    # The right password then gets the lockout page too, and the right code cannot help.
    assert sign_in(client).status_code in (403, 429)
    assert second_step(client, totp_code(app_device.bin_key)).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_a_right_password_does_not_wipe_second_step_failures(client, app_device):
    """The failure count is reset only when both steps pass (django-axes resets it at
    login, and nobody is logged in after the password alone)."""
    for _ in range(2):
        sign_in(client)
        for _ in range(2):
            second_step(client, "123456")
    sign_in(client)
    assert second_step(client, "123456").status_code in (403, 429)  # the fifth


def test_the_second_step_expires(client, app_device, settings):
    settings.STAFF_SECOND_FACTOR_MINUTES = 0
    sign_in(client)

    response = second_step(client, totp_code(app_device.bin_key))

    assert response["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session


def test_manager_resets_a_staff_members_factors_and_it_is_recorded(
    client, app_device, desk_user, django_user_model
):
    from tests.conftest import make_staff

    manager = make_staff(django_user_model, "boss", superuser=True)
    StaticDevice.objects.create(user=desk_user, name="Recovery codes")
    boss_app = TOTPDevice.objects.create(user=manager, name="phone", confirmed=True)
    sign_in(client, "boss")
    second_step(client, totp_code(boss_app.bin_key))

    response = client.post(
        "/admin/clinic/staffmember/",
        {"action": "reset_second_factor", "_selected_action": [desk_user.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=desk_user).exists()
    assert not StaticDevice.objects.filter(user=desk_user).exists()
    entry = LogEntry.objects.get(object_id=str(desk_user.pk))
    assert entry.user == manager
    assert "Reset the second factor" in entry.get_change_message()
    # Their next sign-in enrols again.
    client.post("/admin/logout/")
    assert sign_in(client)["Location"].startswith("/admin/second-factor/enrol/")


def test_front_desk_cannot_reset_anyones_factors(client, app_device, desk_user):
    sign_in(client)
    second_step(client, totp_code(app_device.bin_key))
    other = Group.objects.get(name=FRONT_DESK).user_set.first()

    response = client.post(
        "/admin/clinic/staffmember/",
        {"action": "reset_second_factor", "_selected_action": [other.pk]},
    )

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=desk_user).exists()


def test_a_failed_passkey_counts_towards_the_lockout(client, app_device):
    sign_in(client)
    begin = client.post(
        "/admin/passkeys/authentication/begin/", "{}", content_type="application/json"
    )
    assert begin.status_code == 200 and "challenge" in begin.json()

    # An answer no authenticator signed.
    failed = client.post(
        "/admin/passkeys/authentication/complete/",
        '{"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}',
        content_type="application/json",
    )

    assert 400 <= failed.status_code < 500
    assert AccessAttempt.objects.get(username="desk").failures_since_start == 1
    assert "_auth_user_id" not in client.session


def test_a_passkey_cannot_sign_in_without_the_password(client, app_device):
    """Passwordless sign-in is off: a passkey is only ever the second step."""
    response = client.post(
        "/admin/passkeys/authentication/begin/", "{}", content_type="application/json"
    )

    assert response.status_code == 403


def test_a_clinician_still_enrolling_sees_no_draft(client, settings, clinician_user):
    from tests.education.conftest import make_article

    draft = make_article("Not yet for patients", published=False)
    client.force_login(clinician_user)  # the password, and no second step yet
    settings.STAFF_SECOND_FACTOR = True

    assert client.get(draft.get_absolute_url()).status_code == 404

    settings.STAFF_SECOND_FACTOR = False  # as in development: the password is enough
    assert client.get(draft.get_absolute_url()).status_code == 200
