"""Publication states and the clinical-review calendar, in the clinic's time zone."""

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def review_due_before():
    """Articles last reviewed before this date are due again (ARTICLE_REVIEW_MONTHS)."""
    today = timezone.localdate()
    months = today.year * 12 + today.month - 1 - settings.ARTICLE_REVIEW_MONTHS
    year, month = divmod(months, 12)
    # Feb 29 or the 31st a year back becomes the last day of that month.
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return today.replace(year=year, month=month + 1, day=day)


def start_of_day(day):
    """Midnight at the clinic at the start of ``day`` (a date), or None."""
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
