from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from appointments.models import Location, OpeningHours
from core.admin_history import ReadableHistoryMixin
from core.admin_lookups import OfferedLookupsOnlyMixin


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 1
    verbose_name_plural = (
        "Opening hours (clinic time; one row per opening, two for a day with a lunch break; "
        "a day with none is closed)"
    )


@admin.register(Location)
class LocationAdmin(OfferedLookupsOnlyMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    list_display = ("name", "phone", "is_active", "order")
    list_filter = ("is_active",)
    search_fields = ("name", "address")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OpeningHoursInline]
