from django.contrib import admin

from appointments.models import Location
from core.admin_lookups import OfferedLookupsOnlyMixin


@admin.register(Location)
class LocationAdmin(OfferedLookupsOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "phone", "is_active", "order")
    list_filter = ("is_active",)
    search_fields = ("name", "address")
    prepopulated_fields = {"slug": ("name",)}
