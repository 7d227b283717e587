from django.contrib import admin

from appointments.models import Closure, Location, OpeningHours
from core.admin_lookups import OfferedLookupsOnlyMixin


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 1
    verbose_name_plural = (
        "Opening hours (clinic time; one row per opening, two for a day with a lunch break; "
        "a day with none is closed)"
    )


class ClosureInline(admin.TabularInline):
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
class LocationAdmin(OfferedLookupsOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "phone", "is_active", "order")
    list_filter = ("is_active",)
    search_fields = ("name", "address")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [OpeningHoursInline, ClosureInline]
