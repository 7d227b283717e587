from django.contrib import admin, messages
from django.db.models import Min
from django.utils import timezone
from django.utils.timesince import timesince

from core.admin_lookups import OfferedLookupsOnlyMixin
from core.models import Email
from core.outbox import send_again

# A waiting email older than this means no worker is taking the queue.
WORKER_SILENT_AFTER = timezone.timedelta(minutes=5)


@admin.register(Email)
class EmailAdmin(OfferedLookupsOnlyMixin, admin.ModelAdmin):
    """The outbox: what went out, what waits, what failed. Nothing here is edited."""

    list_display = ("subject", "kind", "status", "tries", "created", "sent_at", "next_try_at")
    list_filter = ("status", "kind")
    search_fields = ("reference", "subject")
    search_help_text = "Search by reference (AR-…) or subject."
    readonly_fields = [f.name for f in Email._meta.fields]
    actions = ["send_selected_again"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        oldest = Email.objects.waiting().filter(next_try_at__lte=timezone.now())
        oldest = oldest.aggregate(since=Min("next_try_at"))["since"]
        if oldest and timezone.now() - oldest > WORKER_SILENT_AFTER:
            self.message_user(
                request,
                f"Emails have been waiting for {timesince(oldest)}: the background worker "
                "(manage.py run_worker) does not seem to be running.",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description="Send selected again", permissions=["send_again"])
    def send_selected_again(self, request, queryset):
        failed = list(queryset.filter(status=Email.Status.FAILED))
        for email in failed:
            send_again(email)
        self.message_user(request, f"{len(failed)} failed email(s) queued to be sent again.")

    def has_send_again_permission(self, request):
        return request.user.has_perm("core.send_again")
