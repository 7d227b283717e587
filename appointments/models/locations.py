from datetime import datetime, timedelta
from itertools import groupby
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core.edge_cache import remember
from core.history import kept_history
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
    # Who changed what patients read about a location (the practice manager only).
    history = kept_history()

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

    @property
    def directions_url(self):
        """A maps search for the address: a plain link, no map or script on our page."""
        query = urlencode({"api": 1, "query": ", ".join([self.name, *self.address_lines])})
        return f"https://www.google.com/maps/search/?{query}"

    def weekly_hours(self):
        """[(days, ranges)] from the opening hours (prefetched), with days that share
        the same hours run together: ("Monday to Friday", "8 a.m. to 5 p.m.")."""
        by_day = {day: [] for day in OpeningHours.Weekday}
        for opening in self.opening_hours.all():
            by_day[opening.weekday].append(
                _("%(opens)s to %(closes)s")
                % {
                    "opens": date_format(opening.opens, "P"),
                    "closes": date_format(opening.closes, "P"),
                }
            )
        rows = []
        for ranges, days in groupby(by_day.items(), key=lambda item: item[1]):
            days = [day for day, _ in days]
            first, last = days[0].label, days[-1].label
            if first == last:
                label = first
            elif len(days) == 2:
                label = _("%(first)s and %(last)s") % {"first": first, "last": last}
            else:
                label = _("%(first)s to %(last)s") % {"first": first, "last": last}
            rows.append((label, ", ".join(ranges) or _("Closed")))
        return rows

    def is_open_at(self, moment):
        """Open at this moment, by the opening hours and closures (both prefetched) in
        the clinic's zone."""
        local = timezone.localtime(moment)
        if self.closure_on(local.date()):
            return False
        return any(
            opening.weekday == local.weekday() and opening.opens <= local.time() < opening.closes
            for opening in self.opening_hours.all()
        )

    def closure_on(self, day):
        """The closure (prefetched) that covers the clinic's `day`, or None."""
        return next((c for c in self.closures.all() if c.first_day <= day <= c.last_day), None)

    def upcoming_closures(self, today=None, days=90):
        """Closures (prefetched) that end today or later and start within `days`."""
        today = today or timezone.localdate()
        horizon = today + timedelta(days=days)
        return [c for c in self.closures.all() if c.last_day >= today and c.first_day <= horizon]

    @classmethod
    def for_footer(cls):
        """Active locations as plain dicts, cached until a location changes (see
        core.edge_cache.remember): the footer is on every page."""
        return remember(
            "footer-locations",
            lambda: [
                {"name": loc.name, "phone": loc.phone, "phone_href": loc.phone_href}
                for loc in cls.objects.active()
            ],
            60 * 60,
        )

    @classmethod
    def active_list(cls):
        """The active locations, kept in Redis until a location changes (see
        core.edge_cache.remember): the request form offers and checks them without a
        query."""
        return remember(
            "active-locations", lambda: list(cls.objects.active()), 60 * 60, shared_only=True
        )


def next_opening_change(now=None):
    """When an active location next opens or closes (clinic time), or None: no page
    saying "Open now" may be kept past it (see core.edge_cache.schedule_changes)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    moments = []
    # A closure starts or ends at midnight: "Open now" may change then too.
    for first, last in Closure.objects.filter(
        location__is_active=True, last_day__gte=today
    ).values_list("first_day", "last_day"):
        for day in (first, last + timedelta(days=1)):
            moment = timezone.make_aware(datetime.combine(day, datetime.min.time()))
            if moment > now:
                moments.append(moment)
    rows = OpeningHours.objects.filter(location__is_active=True).values_list(
        "weekday", "opens", "closes"
    )
    for weekday, *times in rows:
        days_ahead = (weekday - today.weekday()) % 7
        for time in times:
            for weeks in (0, 1):
                day = today + timedelta(days=days_ahead + 7 * weeks)
                moment = timezone.make_aware(datetime.combine(day, time))
                if moment > now:
                    moments.append(moment)
                    break
    return min(moments, default=None)


class OpeningHours(models.Model):
    """One opening of a location on one weekday, in the clinic's time zone. A day with
    a lunch break has two; a day without any is closed."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, gettext_lazy("Monday")
        TUESDAY = 1, gettext_lazy("Tuesday")
        WEDNESDAY = 2, gettext_lazy("Wednesday")
        THURSDAY = 3, gettext_lazy("Thursday")
        FRIDAY = 4, gettext_lazy("Friday")
        SATURDAY = 5, gettext_lazy("Saturday")
        SUNDAY = 6, gettext_lazy("Sunday")

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


class Closure(models.Model):
    """Days a location is closed whatever its opening hours: a public holiday, a staff
    day. Shown to patients on the locations page in their language, and "Open now"
    says closed."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField("first day closed")
    last_day = models.DateField(
        "last day closed", blank=True, help_text="Leave empty when closed for one day only."
    )
    reason = models.CharField(
        "reason (English)", max_length=100, help_text='As patients read it, e.g. "Thanksgiving".'
    )
    reason_es = models.CharField(
        "reason (Spanish)",
        max_length=100,
        help_text='For the Spanish pages, e.g. "Día de Acción de Gracias".',
    )

    class Meta:
        ordering = ["first_day"]
        verbose_name = "closure"

    def __str__(self):
        return f"{self.reason} ({self.first_day:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if self.last_day is None:
            self.last_day = self.first_day
        super().save(*args, **kwargs)

    def clean(self):
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": "The last day cannot be before the first day."})

    @property
    def reason_for_patients(self):
        """The reason in the language of the page (Spanish on /es/)."""
        return self.reason_es if (get_language() or "").startswith("es") else self.reason

    @property
    def days_for_patients(self):
        """ "Thursday, November 26", or "December 24 to December 26", in the page's
        language."""
        first = date_format(self.first_day, _("l, F j"))
        if self.last_day == self.first_day:
            return first
        return _("%(first)s to %(last)s") % {
            "first": first,
            "last": date_format(self.last_day, _("l, F j")),
        }
