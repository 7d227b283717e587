"""Staff accounts for the practice manager (in place of Django's user screens): one
form with name, email, role and, for clinicians, their clinician profile; an
invitation email to set their own password; deactivate, never delete; a list with
role and last login. No permission lists: the role decides (clinic/staff.py)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential

from clinic import second_factor
from clinic.models import StaffMember
from clinic.staff import CLINICAL_ROLES, Role, give_role, invitation_days, queue_invitation, role_of
from core.admin_lookups import OfferedLookupsOnlyMixin
from education.models import Clinician

User = get_user_model()


class StaffForm(forms.ModelForm):
    role = forms.ChoiceField(choices=Role.choices, widget=forms.RadioSelect)
    clinician = forms.ModelChoiceField(
        Clinician.objects.none(),
        required=False,
        label="Clinician profile",
        help_text="For clinicians and medical reviewers: the name and credentials patients "
        "see on articles. Leave empty to make a new profile from the name below.",
    )
    credentials = forms.CharField(
        max_length=60,
        required=False,
        help_text='For a new clinician profile: degrees after the name, e.g. "MD" or "DPT".',
    )

    class Meta:
        model = StaffMember
        fields = ("first_name", "last_name", "email", "is_active")
        labels = {"is_active": "Can log in"}
        help_texts = {
            "is_active": "Untick to deactivate: they can no longer log in; what they did "
            "stays in the records.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        user = self.instance if self.instance.pk else None
        # Profiles nobody has yet, and this person's own.
        self.fields["clinician"].queryset = Clinician.objects.filter(
            Q(user__isnull=True) | Q(user=user) if user else Q(user__isnull=True)
        )
        if user:
            self.fields["role"].initial = role_of(user)
            self.fields["clinician"].initial = Clinician.objects.filter(user=user).first()

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        others = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("Another staff account has this email address.")
        return email

    def clean(self):
        cleaned = super().clean()
        # A manager cannot lock themselves out (and perhaps leave the clinic without one).
        editor = getattr(self, "current_user", None)
        if editor is not None and self.instance.pk == editor.pk:
            if cleaned.get("role") and cleaned["role"] != Role.MANAGER:
                self.add_error("role", "You cannot take away your own manager role.")
            if cleaned.get("is_active") is False:
                self.add_error("is_active", "You cannot deactivate your own account.")
        clinical = cleaned.get("role") in CLINICAL_ROLES
        if clinical and not cleaned.get("clinician") and not cleaned.get("credentials"):
            self.add_error(
                "credentials",
                "Choose their clinician profile, or give their credentials for a new one.",
            )
        return cleaned


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


@admin.action(description="Deactivate selected (they can no longer log in)")
def deactivate(modeladmin, request, queryset):
    others = queryset.exclude(pk=request.user.pk)
    count = others.update(is_active=False)
    modeladmin.message_user(request, f"{count} account(s) deactivated.")
    if queryset.filter(pk=request.user.pk).exists():
        modeladmin.message_user(request, "Your own account stays active.", messages.WARNING)


@admin.action(description="Email a new invitation to set a password")
def send_invitation(modeladmin, request, queryset):
    sent = 0
    for user in queryset.filter(is_active=True).exclude(email=""):
        queue_invitation(user, request.user)
        sent += 1
    modeladmin.message_user(request, f"{sent} invitation(s) queued to be emailed.")


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value() == Role.MANAGER:
            return queryset.filter(is_superuser=True)
        if self.value() == Role.REVIEWER:
            return queryset.filter(groups__name="Medical reviewers", is_superuser=False)
        if self.value() == Role.CLINICIAN:
            return queryset.filter(groups__name="Clinicians", is_superuser=False).exclude(
                groups__name="Medical reviewers"
            )
        if self.value() == Role.FRONT_DESK:
            return queryset.filter(groups__name="Front desk", is_superuser=False)
        return queryset


class StaffAdmin(OfferedLookupsOnlyMixin, admin.ModelAdmin):
    form = StaffForm

    class Media:
        css = {"all": ["clinic/admin.css"]}
        js = ["clinic/staff_form.js"]

    list_display = ("name", "email", "role", "is_active", "last_seen")
    list_display_links = ("name",)
    list_filter = ("is_active", RoleFilter)
    search_fields = ("first_name", "last_name", "email", "username")
    search_help_text = "Search by name or email."
    ordering = ("-is_active", "first_name", "last_name")
    actions = [deactivate, send_invitation, reset_second_factor]
    readonly_fields = ("username", "last_login", "date_joined")
    add_fieldsets = (
        (None, {"fields": ("first_name", "last_name", "email", "role")}),
        ("Clinicians and medical reviewers", {"fields": ("clinician", "credentials")}),
    )
    change_fieldsets = (
        (None, {"fields": ("first_name", "last_name", "email", "role", "is_active")}),
        ("Clinicians and medical reviewers", {"fields": ("clinician", "credentials")}),
        ("Account", {"fields": ("username", "last_login", "date_joined")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.current_user = request.user
        return form

    def get_fieldsets(self, request, obj=None):
        return self.change_fieldsets if obj else self.add_fieldsets

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: history keeps who did what

    @admin.display(description="name", ordering="first_name")
    def name(self, obj):
        return obj.get_full_name() or obj.get_username()

    @admin.display(description="last login", ordering="last_login")
    def last_seen(self, obj):
        if obj.last_login:
            return date_format(timezone.localtime(obj.last_login), "DATETIME_FORMAT")
        return "Never (invited)" if not obj.has_usable_password() else "Never"

    @admin.display(description="role")
    def role(self, obj):
        role = role_of(obj)
        return Role(role).label if role else "None"

    def save_model(self, request, obj, form, change):
        adding = obj.pk is None
        if adding:
            # They log in with their email address; no password until they set one.
            obj.username = obj.email
            obj.set_unusable_password()
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            role = form.cleaned_data["role"]
            give_role(obj, role)
            self.link_clinician(obj, role, form.cleaned_data)
            if adding:
                queue_invitation(obj, request.user)
        if adding:
            self.message_user(
                request,
                f"Invitation queued to be emailed to {obj.email}: a link to set their own "
                f"password, valid {invitation_days()} days. They log in with their email "
                "address.",
            )

    def link_clinician(self, user, role, data):
        # One profile per account: a profile no longer theirs is let go, not deleted.
        chosen = data["clinician"].pk if data["clinician"] else None
        Clinician.objects.filter(user=user).exclude(pk=chosen).update(user=None)
        if role not in CLINICAL_ROLES:
            return
        clinician = data["clinician"] or Clinician(
            name=user.get_full_name(), credentials=data["credentials"]
        )
        clinician.user = user
        clinician.save()


# Django's own user screens (permission lists, a two-step add) give way to these.
admin.site.unregister(User)
# The second factor's own device pages (django-otp, django-otp-webauthn) would show the
# manager everyone's authenticator keys; resetting a staff member's factors is enough.
for model in (TOTPDevice, StaticDevice, WebAuthnCredential, WebAuthnAttestation):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
admin.site.register(StaffMember, StaffAdmin)
