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
        help_text='Opening hours, one line per day or range, e.g. "Monday to Friday: 8am to 5pm".'
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
