from django.contrib import admin, messages
from django.db.models import Min
from django.utils import timezone
from django.utils.timesince import timesince

from core.access_record import Action, record_access
from core.admin_lookups import OfferedLookupsOnlyMixin
from core.models import AccessRecord, Email
from core.outbox import send_again

# A waiting email older than this means no worker is taking the queue.
WORKER_SILENT_AFTER = timezone.timedelta(minutes=5)


class RecordsOnlyMixin:
    """Rows the site writes and staff only read: no add, change or delete for anyone."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Email)
class EmailAdmin(RecordsOnlyMixin, OfferedLookupsOnlyMixin, admin.ModelAdmin):
    """The outbox: what went out, what waits, what failed. Nothing here is edited."""

    list_display = ("subject", "kind", "status", "tries", "created", "sent_at", "next_try_at")
    list_filter = ("status", "kind")
    search_fields = ("reference", "subject")
    search_help_text = "Search by reference (AR-…) or subject."
    readonly_fields = [f.name for f in Email._meta.fields]
    actions = ["send_selected_again"]
    date_hierarchy = "created"

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # An email's page shows its recipient and body: the access record says who looked.
        response = super().change_view(request, object_id, form_url, extra_context)
        email = getattr(response, "context_data", {}).get("original")
        if response.status_code == 200 and email is not None:
            record_access(request, Action.EMAIL, [email.reference], detail=f"email {email.pk}")
        return response

    @admin.action(description="Send selected again", permissions=["send_again"])
    def send_selected_again(self, request, queryset):
        failed = list(queryset.filter(status=Email.Status.FAILED))
        for email in failed:
            send_again(email)
        self.message_user(request, f"{len(failed)} failed email(s) queued to be sent again.")

    def has_send_again_permission(self, request):
        return request.user.has_perm("core.send_again")


class ReferenceFilter(admin.SimpleListFilter):
    """?reference=AR-…: the records naming one request (the link on each request's page)."""

    title = "request"
    parameter_name = "reference"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, value)] if value else []

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        return queryset.about(value) if value else queryset


@admin.register(AccessRecord)
class AccessRecordAdmin(RecordsOnlyMixin, OfferedLookupsOnlyMixin, admin.ModelAdmin):
    """Who looked at which requests: read-only for whoever may see it (the manager),
    never added, changed or deleted by hand; pruned after six years by purge_requests."""

    list_display = ("at", "username", "action", "count", "short_references", "detail", "client_ip")
    list_filter = (("user", admin.RelatedOnlyFieldListFilter), ReferenceFilter, "action")
    search_fields = ("references", "username")
    search_help_text = "Search by reference (AR-…) or username."
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AccessRecord._meta.fields]
    list_select_related = ("user",)

    @admin.display(description="requests")
    def short_references(self, record):
        references = record.reference_list
        shown = " ".join(references[:5])
        return f"{shown} … and {len(references) - 5} more" if len(references) > 5 else shown
