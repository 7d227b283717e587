from django.core.cache import cache
from django.db import models
from django.urls import reverse

from clinic.phone import tel_href


class LocationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Location(models.Model):
    """A place where the clinic sees patients."""

    FOOTER_CACHE_KEY = "locations:footer"

    name = models.CharField(max_length=100, help_text='As patients know it, e.g. "Riverside".')
    slug = models.SlugField(max_length=100, unique=True)
    address = models.TextField(help_text="Street, city, state and ZIP, one per line.")
    phone = models.CharField(max_length=30, help_text='As patients dial it, e.g. "(614) 555-0142".')
    hours = models.TextField(help_text='Opening hours, one line per day or range, e.g. "Mon–Fri 8am–5pm".')
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

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache.delete(self.FOOTER_CACHE_KEY)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache.delete(self.FOOTER_CACHE_KEY)
        return result

    @classmethod
    def for_footer(cls):
        """Active locations as plain dicts, cached: the footer is on every page."""
        locations = cache.get(cls.FOOTER_CACHE_KEY)
        if locations is None:
            locations = [
                {"name": loc.name, "phone": loc.phone, "phone_href": loc.phone_href}
                for loc in cls.objects.active()
            ]
            cache.set(cls.FOOTER_CACHE_KEY, locations, 60 * 60)
        return locations
