import re
import secrets
import time
from dataclasses import dataclass

import phonenumbers
from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.core import signing
from django.utils import timezone

from appointments.models import AppointmentRequest, Location
from core.phone import DEFAULT_REGION
from education.models import Article

SLUG = re.compile(r"^[-\w]{1,200}$")


@dataclass(frozen=True)
class FormStamp:
    """The form's hidden, signed `form_token`: a one-time token (so a double submit
    saves one request), when the form was shown (the minimum fill time) and the page
    the patient came from. Signed, so none of it can be forged.
    """

    token: str
    issued_at: float
    source_path: str = ""

    SALT = "appointments.request-form"

    @classmethod
    def issue(cls, source_path=""):
        return cls(secrets.token_urlsafe(24), time.time(), source_path[:500])

    @classmethod
    def read(cls, value):
        """The stamp from a submitted form, or None when it is missing or was tampered with."""
        try:
            data = signing.loads(value or "", salt=cls.SALT)
            return cls(str(data["t"]), float(data["at"]), str(data.get("from", "")))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None

    @property
    def signed(self):
        return signing.dumps(
            {"t": self.token, "at": self.issued_at, "from": self.source_path}, salt=self.SALT
        )

    @property
    def age(self):
        return time.time() - self.issued_at


class AppointmentRequestForm(forms.ModelForm):
    """The Request Appointment form. POST names are fixed by DESIGN.md."""

    phone = forms.CharField(
        label="Phone number",
        max_length=40,
        error_messages={"required": "Please enter a phone number we can call you on."},
        help_text="Please include the area code. We will call you on this number.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    preferred_contact = forms.ChoiceField(
        label="How should we contact you?",
        choices=AppointmentRequest.ContactMethod,
        required=False,
        initial=AppointmentRequest.ContactMethod.PHONE,
        widget=forms.RadioSelect,
    )
    location = forms.ModelChoiceField(
        label="Which location suits you best?",
        queryset=Location.objects.active(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose a location."},
    )
    preferred_days = forms.MultipleChoiceField(
        label="Which days suit you? (optional)",
        choices=AppointmentRequest.Weekday,
        required=False,
        help_text="Leave these empty if any weekday is fine.",
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_time = forms.ChoiceField(
        label="What time of day suits you?",
        choices=AppointmentRequest.TimeOfDay,
        required=False,
        initial=AppointmentRequest.TimeOfDay.ANY,
        widget=forms.RadioSelect,
    )
    is_new_patient = forms.TypedChoiceField(
        label="Are you new to our clinic?",
        choices=[("yes", "Yes, this is my first visit"), ("no", "No, I have been here before")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label="I agree that the clinic may contact me about this request.",
        error_messages={"required": "Please tick this box so we may contact you."},
    )
    # The article the patient came from. A plain Field (no validators): a bad value
    # is ignored rather than shown as an error the patient cannot fix.
    article = forms.Field(required=False, widget=forms.HiddenInput)
    # Honeypot: hidden from people, filled in by bots (see the view).
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = AppointmentRequest
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "is_new_patient",
            "phone",
            "email",
            "preferred_contact",
            "location",
            "preferred_days",
            "preferred_time",
            "reason",
            "treatments_tried",
            "referring_provider",
            "insurance",
            "consent",
        ]
        labels = {
            "first_name": "First name",
            "last_name": "Last name",
            "date_of_birth": "Date of birth (optional)",
            "email": "Email (needed if you choose email below)",
            "reason": "What would you like help with?",
            "treatments_tried": "Treatments you have already tried (optional)",
            "referring_provider": "Doctor who referred you (optional)",
            "insurance": "Insurance (optional)",
        }
        help_texts = {
            "date_of_birth": "This helps us find your records.",
            "email": "We send a confirmation with your request number. "
            "We never send medical details by email.",
            "reason": "A few words are enough, for example: "
            "“lower back pain for 3 months, worse when sitting”.",
            "treatments_tried": "For example: “facet joint injections in March”.",
            "referring_provider": "If a doctor sent you to us, their name and practice.",
            "insurance": "The name of your insurance plan, if you have one.",
        }
        error_messages = {
            "first_name": {"required": "Please enter your first name."},
            "last_name": {"required": "Please enter your last name."},
            "reason": {"required": "Please tell us in a few words what you would like help with."},
        }
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "date_of_birth": forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "reason": forms.Textarea(attrs={"rows": 4}),
            "treatments_tried": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only ask where when there is a choice; with one location, that is the one.
        locations = list(Location.objects.active())
        self.only_location = locations[0] if len(locations) == 1 else None
        if len(locations) > 1:
            self.fields["location"].label_from_instance = location_label
        else:
            del self.fields["location"]
            self.instance.location = self.only_location
        self.helper = self.build_helper()

    def build_helper(self):
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True  # the template's <form> has its own token
        helper.layout = Layout(
            Fieldset(
                "About you",
                "first_name",
                "last_name",
                "date_of_birth",
                "is_new_patient",
            ),
            Fieldset("How can we reach you?", "phone", "email", "preferred_contact"),
            Fieldset(
                "When and where",
                *(["location"] if "location" in self.fields else []),
                InlineCheckboxes("preferred_days"),
                InlineRadios("preferred_time"),
            ),
            Fieldset(
                "About your pain",
                "reason",
                "treatments_tried",
                "referring_provider",
                "insurance",
            ),
            "consent",
            # Off screen and out of the tab order; aria-hidden keeps screen readers away.
            Div("website", css_class="visually-hidden", aria_hidden="true"),
            "article",
        )
        return helper

    @property
    def fields_with_errors(self):
        return [field for field in self.visible_fields() if field.errors]

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        try:
            number = phonenumbers.parse(value, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                "Please check this number. Include the area code, for example (614) 555-0142."
            )
        if number.extension:
            # The stored E.164 form has no room for it: say so rather than drop it.
            raise forms.ValidationError(
                "We cannot dial an extension. Please give a number that reaches you "
                "directly, such as a mobile."
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean_preferred_days(self):
        # Each day once, in weekday order, however often a forged form repeats it.
        chosen = set(self.cleaned_data["preferred_days"])
        return [day for day in AppointmentRequest.Weekday.values if day in chosen]

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born is None:
            return None
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError("This date is in the future. Please check the year.")
        if born.year < today.year - 120:
            raise forms.ValidationError("Please check the year of your birth.")
        return born

    def clean_preferred_contact(self):
        return self.cleaned_data["preferred_contact"] or AppointmentRequest.ContactMethod.PHONE

    def clean_preferred_time(self):
        return self.cleaned_data["preferred_time"] or AppointmentRequest.TimeOfDay.ANY

    def clean_article(self):
        return published_article(self.cleaned_data.get("article"))

    def clean(self):
        cleaned = super().clean()
        wants_email = cleaned.get("preferred_contact") == AppointmentRequest.ContactMethod.EMAIL
        if wants_email and not cleaned.get("email") and "email" not in self.errors:
            self.add_error(
                "email",
                "Please give your email address, or choose another way for us to contact you.",
            )
        return cleaned

    def save(self, commit=True):
        self.instance.source_article = self.cleaned_data.get("article")
        return super().save(commit)


def published_article(slug):
    """The published article with this slug, or None for anything else (even junk)."""
    if not isinstance(slug, str) or not SLUG.match(slug):
        return None
    return Article.objects.published().filter(slug=slug).first()


def location_label(location):
    # The street and the town: several locations can be in one city.
    lines = location.address_lines
    where = ", ".join(dict.fromkeys([lines[0], lines[-1]])) if lines else ""
    return f"{location.name}, {where}" if where else location.name
