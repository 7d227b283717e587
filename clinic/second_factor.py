"""The second factor for staff: a passkey, an authenticator-app code or a recovery code
after the password, with django-otp and django-otp-webauthn.

The flow (README, "Staff sign-in and the access record"):

- The password alone signs nobody in. A staff member who already has a factor is
  remembered in the session as *pending* (not logged in) and asked for it; only then
  does Django log them in, so django-axes resets the failure count only after both
  steps, and every wrong code counts towards the same lockout as a wrong password.
- A staff member without a factor (first sign-in, or after the manager reset theirs)
  is logged in but not verified, and the only pages open to them are the enrolment
  page and log out: they add a passkey or an authenticator app, and get ten
  single-use recovery codes, shown once.
- Required unless settings.STAFF_SECOND_FACTOR is off (development only).
"""

import time
from base64 import b32encode
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django import forms
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView, RedirectURLMixin
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.i18n import JavaScriptCatalog
from django_otp import devices_for_user, user_has_device, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential

PENDING = "second_factor_pending"  # session key: {"user", "backend", "since"}
RECOVERY_CODES_SHOWN = "second_factor_new_codes"  # session key: the codes, shown once
RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"


def required():
    return settings.STAFF_SECOND_FACTOR


# Who is between the two steps.


def remember_pending(request, user):
    request.session[PENDING] = {"user": user.pk, "backend": user.backend, "since": time.time()}


def forget_pending(request):
    request.session.pop(PENDING, None)


def pending_user(request):
    """The staff member who gave the right password a moment ago, or None."""
    pending = request.session.get(PENDING)
    if not pending:
        return None
    if time.time() - pending["since"] > settings.STAFF_SECOND_FACTOR_MINUTES * 60:
        forget_pending(request)
        return None
    user = get_user_model().objects.filter(pk=pending["user"]).first()
    # As django.contrib.auth.get_user: a backend removed from the settings since counts
    # for nothing, nor does an account deactivated in between.
    backend = pending["backend"]
    usable = user is not None and user.is_active and user.is_staff
    if not usable or backend not in settings.AUTHENTICATION_BACKENDS:
        forget_pending(request)
        return None
    user.backend = backend
    return user


def credentials(user):
    return {get_user_model().USERNAME_FIELD: user.get_username()}


def locked_out(request, user):
    return AxesProxyHandler.is_locked(request, credentials(user))


def count_failure(request, user):
    """A wrong second factor counts as a failed login for django-axes (same lockout)."""
    user_login_failed.send(sender=__name__, credentials=credentials(user), request=request)
    return getattr(request, "axes_locked_out", False)


def finish_login(request, user, device):
    """Both steps passed: log the user in, verified by this device."""
    forget_pending(request)
    user.otp_device = device  # django-otp marks the session verified at login
    auth_login(request, user, backend=user.backend)
    otp_login(request, device)


def has_factor(user):
    return user_has_device(user, confirmed=True)


# Recovery codes.


def new_recovery_codes(user):
    """Ten fresh single-use codes; any earlier ones stop working."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def reset_factors(user):
    """The manager's reset: every passkey, app and recovery code of this user goes; they
    enrol again at their next sign-in. Returns how many factors were removed."""
    removed = 0
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
            removed += 1
    return removed


# The forms.


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def check_code(user, code):
    """The device that accepts this code (each code works once), or None."""
    # App codes are 6 digits; recovery codes 8 base32 characters (which may be digits).
    if code.isdigit() and len(code) == 6:
        candidates = TOTPDevice.objects.devices_for_user(user, confirmed=True)
    else:
        candidates = StaticDevice.objects.devices_for_user(user, confirmed=True)
    for device in candidates:
        accepted = verify_token(user, device.persistent_id, code)
        if accepted is not None:
            return accepted
    return None


# The views, served by the staff admin site (clinic/admin_site.py).


class StaffLoginView(LoginView):
    """The admin's login form; with the second factor on, a right password leads to the
    second step instead of signing in."""

    def form_valid(self, form):
        user = form.get_user()
        if not required() or not user.is_staff:
            return super().form_valid(form)
        forget_pending(self.request)
        if has_factor(user):
            remember_pending(self.request, user)
            return self.redirect_to("admin:second_factor")
        # First sign-in (or after a reset): logged in, not verified; enrol now.
        auth_login(self.request, user)
        return self.redirect_to("admin:second_factor_enrol")

    def redirect_to(self, name):
        return redirect_with_next(name, self.get_success_url())


class NextMixin(RedirectURLMixin):
    next_page = "admin:index"


def next_url(request):
    """Where to go after the second step: ?next= if it is on this site, else the admin."""
    view = NextMixin()
    view.request = request
    return view.get_success_url()


def redirect_with_next(name, next_to):
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_to})}")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def verify_view(request, admin_site):
    """The second step: a passkey, an app code or a recovery code."""
    user = pending_user(request)
    if user is not None and not has_factor(user):
        forget_pending(request)  # reset by the manager meanwhile: sign in again, then enrol
        user = None
    if user is None:
        return redirect_with_next("admin:login", next_url(request))
    if locked_out(request, user):
        forget_pending(request)
        return get_lockout_response(request, None, credentials(user))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = check_code(user, form.cleaned_data["code"])
        if device is not None:
            finish_login(request, user, device)
            return HttpResponseRedirect(next_url(request))
        if count_failure(request, user):
            forget_pending(request)  # AxesMiddleware answers with the lockout page
        form.add_error(
            "code",
            "That code is not right, or it has been used already. After a wrong code, "
            "wait a few seconds before the next (each wrong one makes the wait longer).",
        )
    context = {
        **admin_site.each_context(request),
        "title": "Second step",
        "form": form,
        "staff_member": user,
        "has_passkey": WebAuthnCredential.objects.filter(user=user, confirmed=True).exists(),
        "next": next_url(request),
    }
    return TemplateResponse(request, "admin/second_factor/verify.html", context)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def enrol_view(request, admin_site):
    """First sign-in: add a passkey or an authenticator app, then take the recovery codes."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect_with_next("admin:login", next_url(request))
    if not required():
        return HttpResponseRedirect(next_url(request))
    if user.is_verified():
        # Just enrolled with a passkey (its script reloads this page): the codes now.
        if not StaticDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            request.session[RECOVERY_CODES_SHOWN] = new_recovery_codes(user)
        return redirect_with_next("admin:second_factor_codes", next_url(request))
    if has_factor(user):
        # A factor but an unverified session: only the second step may verify it.
        return redirect_with_next("admin:login", next_url(request))
    totp = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if totp is None:
        totp = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    form.fields["code"].label = "The 6-digit code your app shows"
    if request.method == "POST" and form.is_valid():
        if totp.verify_token(form.cleaned_data["code"]):
            totp.confirmed = True
            totp.save()
            otp_login(request, totp)
            request.session[RECOVERY_CODES_SHOWN] = new_recovery_codes(user)
            return redirect_with_next("admin:second_factor_codes", next_url(request))
        form.add_error(
            "code",
            "That code is not right. Check the phone's clock, wait a few seconds and "
            "try the new code.",
        )
    context = {
        **admin_site.each_context(request),
        "title": "Set up your second step",
        "form": form,
        "totp_secret": b32_secret(totp),
        "totp_qr": segno.make(totp.config_url, error="m").svg_data_uri(scale=4),
        "next": next_url(request),
    }
    return TemplateResponse(request, "admin/second_factor/enrol.html", context)


def b32_secret(totp):
    """The key as authenticator apps take it when typed (base32, in groups of four)."""
    secret = b32encode(totp.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
def codes_view(request, admin_site):
    """The ten new recovery codes, shown once."""
    if not request.user.is_authenticated:
        return redirect_with_next("admin:login", next_url(request))
    codes = request.session.pop(RECOVERY_CODES_SHOWN, None)
    if not codes:
        return HttpResponseRedirect(next_url(request))
    context = {
        **admin_site.each_context(request),
        "title": "Your recovery codes",
        "codes": codes,
        "next": next_url(request),
    }
    return TemplateResponse(request, "admin/second_factor/codes.html", context)


# Passkeys: django-otp-webauthn's views, told who is between the two steps.


class PasskeyLocked(webauthn_errors.OTPWebAuthnApiError):
    status_code = 403
    default_code = "locked_out"
    default_detail = "Too many failed attempts: this account is locked for now."


class BeginPasskeyCheck(webauthn_views.BeginCredentialAuthenticationView):
    def get_user(self):
        return pending_user(self.request)

    def check_can_authenticate(self):
        user = self.get_user()
        if user is None:
            raise webauthn_errors.NotAuthenticated()
        if locked_out(self.request, user):
            raise PasskeyLocked()


class CompletePasskeyCheck(webauthn_views.CompleteCredentialAuthenticationView):
    def get_user(self):
        return pending_user(self.request)

    def check_can_authenticate(self):
        BeginPasskeyCheck.check_can_authenticate(self)

    def complete_auth(self, device):
        user = self.get_user()
        if device.user_id != user.pk:
            raise webauthn_errors.CredentialNotFound()
        finish_login(self.request, user, device)

    def get_success_url(self):
        return next_url(self.request)

    def handle_exception(self, exc):
        # A passkey that fails counts like a wrong code.
        user = pending_user(self.request)
        counted = isinstance(exc, webauthn_errors.OTPWebAuthnApiError)
        counted = counted and not isinstance(exc, PasskeyLocked)
        if user is not None and counted and count_failure(self.request, user):
            forget_pending(self.request)  # AxesMiddleware answers with the lockout page
        return super().handle_exception(exc)


passkey_urls = (
    [
        # Adding a passkey: at enrolment (logged in, no factor yet) or once verified;
        # the library's own checks refuse an unverified session that has a factor.
        path(
            "registration/begin/",
            webauthn_views.BeginCredentialRegistrationView.as_view(),
            name="credential-registration-begin",
        ),
        path(
            "registration/complete/",
            webauthn_views.CompleteCredentialRegistrationView.as_view(),
            name="credential-registration-complete",
        ),
        path(
            "authentication/begin/",
            BeginPasskeyCheck.as_view(),
            name="credential-authentication-begin",
        ),
        path(
            "authentication/complete/",
            CompletePasskeyCheck.as_view(),
            name="credential-authentication-complete",
        ),
        path(
            "jsi18n/",
            JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
            name="js-i18n-catalog",
        ),
    ],
    "otp_webauthn",
)
