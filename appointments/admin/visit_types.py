from django.contrib import admin

from appointments.models import VisitType


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin):
    """The kinds of visit the front desk books; the practice manager edits them."""

    list_display = ("name", "minutes", "order", "is_active")
