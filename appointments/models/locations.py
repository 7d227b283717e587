from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from core.page_cache import remember
from core.phone import tel_href


class LocationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Location(models.Model):
    """A place where the clinic sees patients."""

    name = models.CharField(max_length=100, help_text='As patients know it, e.g. "Riverside".')
    slug = models.SlugField(max_length=100, unique=True)
    address = models.TextField(help_text="Street, city, state and ZIP, one per line.")
    phone = models.CharField(max_length=30, help_text='As patients dial it, e.g. "(614) 555-0142".')
    hours = models.TextField(
        "hours note",
        blank=True,
        help_text='Shown under the opening hours, e.g. "Closed on public holidays". Without '
        "opening hours below, write the hours here, one line per day or range.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive locations are hidden from patients."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("appointments:locations") + f"#{self.slug}"

    @property
    def phone_href(self):
        return tel_href(self.phone)

    @property
    def address_lines(self):
        return [line for line in self.address.splitlines() if line.strip()]

    @property
    def hours_lines(self):
        return [line for line in self.hours.splitlines() if line.strip()]

    @classmethod
    def for_footer(cls):
        """Active locations as plain dicts, cached until a location changes (see
        core.page_cache): the footer is on every page."""
        return remember(
            "footer-locations",
            lambda: [
                {"name": loc.name, "phone": loc.phone, "phone_href": loc.phone_href}
                for loc in cls.objects.active()
            ],
            60 * 60,
        )


class OpeningHours(models.Model):
    """One opening of a location on one weekday, in the clinic's time zone. A day with
    a lunch break has two; a day without any is closed."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self):
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": "Closing time must be after opening time."})
