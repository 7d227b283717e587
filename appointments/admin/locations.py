from django import forms
from django.contrib import admin
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from appointments.models import Closure, Location, OpeningHours
from core.admin_history import ReadableHistoryMixin
from core.admin_lookups import OfferedLookupsOnlyMixin


class LabelledRowsFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = "Delete this row"


class LabelledRowsMixin:
    """A tabular inline names its columns only in the heading: name each input too,
    for screen readers; dates and times with the browser's own inputs (clinic time,
    no per-field time zone note)."""

    formset = LabelledRowsFormSet
    formfield_overrides = {
        models.DateField: {"widget": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})},
        models.TimeField: {"widget": forms.TimeInput(format="%H:%M", attrs={"type": "time"})},
    }

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.setdefault("aria-label", capfirst(db_field.verbose_name))
        return field


class OpeningHoursInline(LabelledRowsMixin, admin.TabularInline):
    model = OpeningHours
    extra = 1
    verbose_name_plural = (
        "Opening hours (clinic time; one row per opening, two for a day with a lunch break; "
        "a day with none is closed)"
    )


class ClosureInline(LabelledRowsMixin, admin.TabularInline):
    model = Closure
    extra = 1
    verbose_name_plural = (
        "Closures (public holidays and other days closed; patients see them on the "
        "locations page, in English and Spanish, and “Open now” says closed)"
    )

    def get_queryset(self, request):
        # Past closures stay as a record; the recent and coming ones are what matter.
        return super().get_queryset(request).order_by("-first_day")


@admin.register(Location)
class LocationAdmin(OfferedLookupsOnlyMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    list_display = ("name", "phone", "is_active", "order")
    list_filter = ("is_active",)
    search_fields = ("name", "address")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OpeningHoursInline, ClosureInline]
