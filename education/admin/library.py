from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_history import ReadableHistoryMixin
from core.admin_lookups import OfferedLookupsOnlyMixin
from education.models import Clinician, EmergencyNotice, Topic

# Topics, clinician profiles, the notice and the images' words are changed only by
# medical reviewers (education/roles.py); their history says who changed what.


@admin.register(Topic)
class TopicAdmin(OfferedLookupsOnlyMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    list_display = ("name", "slug", "article_count")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).with_article_counts()

    @admin.display(description="published articles", ordering="article_count")
    def article_count(self, topic):
        return topic.article_count


@admin.register(Clinician)
class ClinicianAdmin(OfferedLookupsOnlyMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    list_display = ("name", "credentials", "title", "user")
    search_fields = ("name", "credentials", "title")
    list_select_related = ("user",)

    def get_readonly_fields(self, request, obj=None):
        # Linking staff accounts is the practice manager's job.
        return () if request.user.is_superuser else ("user",)


@admin.register(EmergencyNotice)
class EmergencyNoticeAdmin(OfferedLookupsOnlyMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    """One notice for the whole site: it can be changed, never added twice or deleted."""

    list_display = ("heading", "article", "updated")
    fields = ("heading", "text", "article", "link_text")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not EmergencyNotice.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
