import re

import phonenumbers
from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from appointments.abuse import FormStamp, over_rate_limit
from appointments.models import AppointmentRequest, Location
from core.phone import DEFAULT_REGION
from core.text import without_invisible_values
from education.models import Article

SLUG = re.compile(r"^[-\w]{1,200}$")

NOT_SENT_YET = _(
    "Everything you typed is still here. Please check it, then press “Send request” "
    "again to send it."
)


class LocationChoiceField(forms.ModelChoiceField):
    """A choice of the active locations the form was given (``locations``, kept in the
    process: Location.active_list), checked against them without a query."""

    locations = {}  # str(pk) -> Location, set by the form

    def to_python(self, value):
        if value in self.empty_values:
            return None
        location = self.locations.get(str(value))
        if location is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return location


class AppointmentRequestForm(forms.ModelForm):
    """The Request Appointment form. POST names are fixed by DESIGN.md.

    It does its own spam and abuse checks: a filled honeypot or a second press of the
    button is settled before the fields are checked (see full_clean), a missing stamp
    or a too-fast submission is an error the patient can clear by pressing the button
    again, and a client over the rate limit gets the ``rate_limited`` error.
    """

    phone = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        error_messages={"required": _("Please enter a phone number we can call you on.")},
        help_text=_("Please include the area code. We will call you on this number."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    preferred_contact = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=AppointmentRequest.ContactMethod,
        required=False,
        initial=AppointmentRequest.ContactMethod.PHONE,
        widget=forms.RadioSelect,
    )
    location = LocationChoiceField(
        label=_("Which location suits you best?"),
        queryset=Location.objects.active(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a location.")},
    )
    preferred_days = forms.MultipleChoiceField(
        label=_("Which days suit you? (optional)"),
        choices=AppointmentRequest.Weekday,
        required=False,
        help_text=_("Leave these empty if any weekday is fine."),
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_time = forms.ChoiceField(
        label=_("What time of day suits you?"),
        choices=AppointmentRequest.TimeOfDay,
        required=False,
        initial=AppointmentRequest.TimeOfDay.ANY,
        widget=forms.RadioSelect,
    )
    is_new_patient = forms.TypedChoiceField(
        label=_("Are you new to our clinic?"),
        choices=[
            ("yes", _("Yes, this is my first visit")),
            ("no", _("No, I have been here before")),
        ],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=_("I agree that the clinic may contact me about this request."),
        error_messages={"required": _("Please tick this box so we may contact you.")},
    )
    # The article the patient came from. A plain Field (no validators): a bad value
    # is ignored rather than shown as an error the patient cannot fix.
    article = forms.Field(required=False, widget=forms.HiddenInput)
    # Honeypot: hidden from people, filled in by bots (see the view).
    website = forms.CharField(
        label=_("Leave this empty"),
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
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "date_of_birth": _("Date of birth (optional)"),
            "email": _("Email (needed if you choose email below)"),
            "reason": _("What would you like help with?"),
            "treatments_tried": _("Treatments you have already tried (optional)"),
            "referring_provider": _("Doctor who referred you (optional)"),
            "insurance": _("Insurance (optional)"),
        }
        help_texts = {
            "date_of_birth": _("This helps us find your records."),
            "email": _(
                "We send a confirmation with your request number. "
                "We never send medical details by email."
            ),
            "reason": _(
                "A few words are enough, for example: "
                "“lower back pain for 3 months, worse when sitting”."
            ),
            "treatments_tried": _("For example: “facet joint injections in March”."),
            "referring_provider": _("If a doctor sent you to us, their name and practice."),
            "insurance": _("The name of your insurance plan, if you have one."),
        }
        error_messages = {
            "first_name": {"required": _("Please enter your first name.")},
            "last_name": {"required": _("Please enter your last name.")},
            "email": {
                "invalid": _(
                    "Please check your email address. It should look like "
                    "name@example.com, with no spaces."
                )
            },
            "reason": {
                "required": _("Please tell us in a few words what you would like help with.")
            },
        }
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "date_of_birth": forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "reason": forms.Textarea(attrs={"rows": 4}),
            "treatments_tried": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, data=None, *args, client_address="", **kwargs):
        # A name made only of zero-width or other invisible characters is no name.
        super().__init__(without_invisible_values(data), *args, **kwargs)
        self.client_address = client_address
        self.stamp = None  # the submitted FormStamp, read in full_clean
        self.settled = None  # what a bot or a repeat gets instead of a new request
        # Only ask where when there is a choice; with one location, that is the one.
        self.locations = locations = Location.active_list()
        self.only_location = locations[0] if len(locations) == 1 else None
        if len(locations) > 1:
            self.fields["location"].label_from_instance = location_label
            self.fields["location"].locations = {str(loc.pk): loc for loc in locations}
        else:
            del self.fields["location"]
            self.instance.location = self.only_location

    @cached_property
    def helper(self):
        """crispy-forms' layout, made only when the form is drawn (not for a valid one)."""
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True  # the template's <form> has its own token
        helper.layout = Layout(
            Fieldset(
                _("About you"),
                "first_name",
                "last_name",
                "date_of_birth",
                "is_new_patient",
            ),
            Fieldset(_("How can we reach you?"), "phone", "email", "preferred_contact"),
            Fieldset(
                _("When and where"),
                *(["location"] if "location" in self.fields else []),
                InlineCheckboxes("preferred_days"),
                InlineRadios("preferred_time"),
            ),
            Fieldset(
                _("About your pain"),
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

    def _get_validation_exclusions(self):
        # The location was checked against the active ones (LocationChoiceField): the
        # model need not query the database to see that it exists.
        return {*super()._get_validation_exclusions(), "location"}

    @property
    def fields_with_errors(self):
        if not self.is_bound:
            return []
        return [field for field in self.visible_fields() if field.errors]

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        try:
            number = phonenumbers.parse(value, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                _("Please check this number. Include the area code, for example (614) 555-0142.")
            )
        if number.extension:
            # The stored E.164 form has no room for it: say so rather than drop it.
            raise forms.ValidationError(
                _(
                    "We cannot dial an extension. Please give a number that reaches you "
                    "directly, such as a mobile."
                )
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
            raise forms.ValidationError(_("This date is in the future. Please check the year."))
        if born.year < today.year - 120:
            raise forms.ValidationError(_("Please check the year of your birth."))
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
                _("Please give your email address, or choose another way for us to contact you."),
            )
        self.check_not_a_bot()
        self.check_rate_limit()
        return cleaned

    def full_clean(self):
        """Settle bots and repeats before any field is checked: a filled honeypot gets
        the usual success page with nothing kept; a second press of the button (double
        click, back and resubmit) gets the request the first press saved."""
        if self.is_bound:
            self.stamp = FormStamp.read(self.data.get("form_token"))
            if self.data.get("website", "").strip():
                self.settled = AppointmentRequest(reference=AppointmentRequest.new_reference())
            elif self.stamp:
                self.settled = self.earlier_request()
            if self.settled is not None:
                self._errors, self.cleaned_data = ErrorDict(), {}
                return
        super().full_clean()

    def earlier_request(self):
        """The request this form's token saved before, as its id and reference (all a
        repeat needs to be answered), or None."""
        earlier = (
            AppointmentRequest.objects.filter(form_token=self.stamp.token)
            .order_by()
            .values_list("pk", "reference")[:1]
        )
        for pk, reference in earlier:
            return AppointmentRequest(pk=pk, reference=reference)
        return None

    def check_not_a_bot(self):
        """No valid stamp (a forged or very old page), or sent faster than a person can
        type: most likely a bot, but a person only has to press the button again."""
        if self.stamp is None or self.stamp.filled_too_fast:
            self.stamp = self.stamp or FormStamp.issue()
            raise forms.ValidationError(NOT_SENT_YET, code="not_sent_yet")

    def check_rate_limit(self):
        # Counted only for otherwise valid submissions: typos must not use it up.
        if not self.errors and over_rate_limit(self.client_address):
            raise forms.ValidationError(_("Too many requests from here."), code="rate_limited")

    @property
    def is_new_request(self):
        """After save(): True when this submission stored a new request."""
        return self.settled is None

    @property
    def is_rate_limited(self):
        return self.has_error(NON_FIELD_ERRORS, "rate_limited")

    def save(self, commit=True):
        """The saved request; the earlier one for a repeat, an unsaved one for a bot.

        The new request gets a fresh random reference on each call, and is inserted
        without a savepoint: a clash (on the reference, or on the form's token when a
        simultaneous double submit saved it first) raises IntegrityError for the
        caller's transaction to be rolled back whole; then settle_clash() says what to
        do (appointments.views.save_request)."""
        if self.settled is not None:
            return self.settled
        self.instance.reference = AppointmentRequest.new_reference()
        self.instance.source_article = self.cleaned_data.get("article")
        self.instance.form_token = self.stamp.token
        self.instance.source_path = self.stamp.source_path
        # The language of the pages the patient used: the front desk calls in it, and
        # the patient's emails are written in it.
        self.instance.language = AppointmentRequest.Language.current()
        return super().save(commit)

    def settle_clash(self):
        """After save() clashed: True if a simultaneous submit of this same form (a
        double click) saved it first, which is then the answer (``settled``); False
        if only the random reference was taken, and another try will do."""
        self.settled = self.earlier_request()
        return self.settled is not None

    def reference_taken(self):
        reference = self.instance.reference
        return AppointmentRequest.objects.filter(reference=reference).exists()


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
