"""Change history in the admin as staff read it, for every model kept with
django-simple-history."""

from datetime import date, datetime

from django.utils.formats import date_format
from django.utils.timezone import localtime
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

EMPTY = "(empty)"


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """Local times, choice labels, plain lists, and "(empty)" where there was nothing,
    instead of UTC timestamps, stored codes, Python lists and "Deleted user (pk=None)"."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if value is None or value == "" or value == []:
            return EMPTY
        if isinstance(value, DeletedObject):
            return EMPTY if value.pk is None else str(value)
        if isinstance(value, datetime):
            return date_format(localtime(value), "DATETIME_FORMAT")
        if isinstance(value, date):
            return date_format(value, "DATE_FORMAT")
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return value


class ReadableHistoryMixin:
    """For a SimpleHistoryAdmin: show each change with ReadableHistoryHelper."""

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)
