"""The manager's side of the second factor: reset a staff member's factors from Users.

The devices' own admin pages (django-otp, django-otp-webauthn) are removed: they would
show the manager everyone's authenticator keys, and a reset is all the manager needs.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential

from clinic import second_factor

for model in (TOTPDevice, StaticDevice, WebAuthnCredential, WebAuthnAttestation):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

User = get_user_model()


@admin.action(description="Reset second factor (they set it up again at next sign-in)")
def reset_second_factor(modeladmin, request, queryset):
    for user in queryset:
        removed = second_factor.reset_factors(user)
        # In the user's history, with who did it and when.
        modeladmin.log_change(
            request,
            user,
            f"Reset the second factor: {removed} passkey(s), app(s) and code set(s) removed.",
        )
    modeladmin.message_user(
        request,
        f"Second factor reset for {len(queryset)} staff member(s): they set up a new one "
        "at their next sign-in.",
    )


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    actions = [reset_second_factor]
