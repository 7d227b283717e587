from django.conf import settings
from django.db import models

from core.history import kept_history
from core.text import single_line


class Clinician(models.Model):
    """A clinician who writes or medically reviews articles."""

    name = models.CharField(
        max_length=150,
        validators=[single_line],
        help_text='Full name as patients see it, e.g. "Ana Ruiz".',
    )
    credentials = models.CharField(
        max_length=60,
        validators=[single_line],
        help_text='Degrees and licences after the name, e.g. "MD" or "DPT, OCS".',
    )
    title = models.CharField(
        max_length=150,
        blank=True,
        help_text='Role at the clinic, e.g. "Interventional pain physician".',
    )
    bio = models.TextField(blank=True, help_text="A short paragraph about the clinician.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clinician",
        help_text="The staff account of this clinician, if they have one.",
    )

    # Who changed a byline patients read (medical reviewers only).
    history = kept_history()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def as_person(self):
        """The clinician as a schema.org Person, for structured data."""
        person = {"@type": "Person", "name": self.name, "honorificSuffix": self.credentials}
        if self.title:
            person["jobTitle"] = self.title
        return person
