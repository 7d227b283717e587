"""Change history in the admin as staff read it, for every model kept with
django-simple-history."""

import re
from datetime import date, datetime

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.timezone import localtime
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

EMPTY = "(empty)"
HTML_TAG = re.compile(r"<[a-z][a-z0-9]*[\s>/]", re.IGNORECASE)


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """Local times, choice labels, plain lists, and "(empty)" where there was nothing,
    instead of UTC timestamps, stored codes, Python lists and "Deleted user (pk=None)"."""

    def context_for_delta_changes(self, delta):
        """Only what reads differently: a time moved by seconds, or a value stored
        another way, is no change to the person reading."""
        changes = []
        for change in delta.changes:
            if is_html(change.old) or is_html(change.new):
                changes.append(self.html_change(change))
                continue
            formatted = self.format_delta_change(change)
            if formatted.old != formatted.new:
                changes.append(
                    {"field": formatted.field, "old": formatted.old, "new": formatted.new}
                )
        return changes

    def html_change(self, change):
        """Rich text as its length, never as cut HTML; its words are compared where
        the model offers that (for articles: Revisions)."""
        old, new = word_count(change.old), word_count(change.new)
        return {
            "field": self.model._meta.get_field(change.field).verbose_name.capitalize(),
            "old": f"{old} words",
            "new": f"{new} words" if old != new else f"{new} words, reworded",
        }

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


def is_html(value):
    return isinstance(value, str) and bool(HTML_TAG.search(value))


def word_count(value):
    return len(strip_tags(value or "").split())


class ReadableHistoryMixin:
    """For a SimpleHistoryAdmin: show each change with ReadableHistoryHelper, and let
    only those who may change the record go back to an old version."""

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history hides the Revert button from those who may only view, but
        # saves whatever they post to this page: refuse it here.
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
