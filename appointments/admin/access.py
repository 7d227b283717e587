"""The request admin's pages write the access record (core.access_record): each page
that shows patients' details says who opened it and which requests it showed."""

from django.urls import reverse
from django.utils.http import urlencode

from core.access_record import Action, record_access
from core.models import AccessRecord

# How many of the latest looks the request page lists (the rest: the access record).
LOOKS_SHOWN = 10


class RecordsAccessMixin:
    """For AppointmentRequestAdmin: a record for the list, each request's page, its
    history and each of its past versions; and the request page says who has looked."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            shown = [obj.reference for obj in changelist.result_list]
            record_access(request, Action.LISTED, shown)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        reference, received = self.reference_of(object_id)
        if reference:
            extra_context = {**(extra_context or {}), **looked_at_context(reference, received)}
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and reference:
            record_access(request, Action.VIEWED, [reference])
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self.record_history(request, object_id, response, "history")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self.record_history(request, object_id, response, f"version {version_id}")
        return response

    def record_history(self, request, object_id, response, detail):
        reference, _ = self.reference_of(object_id)
        if response.status_code == 200 and reference:
            record_access(request, Action.HISTORY, [reference], detail=detail)

    def reference_of(self, object_id):
        """The request's reference and when it was received, or (None, None)."""
        found = self.model._default_manager.filter(pk=object_id)
        return found.values_list("reference", "created").first() or (None, None)


def looked_at_context(reference, received=None):
    """The latest looks at this request; with `received`, the exports since then that
    were too wide to name each request (they may have held it) among them."""
    looks = AccessRecord.objects.about(reference, received)
    records = looks.select_related(None)[:LOOKS_SHOWN]
    return {
        "looked_at": list(records),
        "looked_at_all_url": reverse("admin:core_accessrecord_changelist")
        + "?"
        + urlencode({"reference": reference}),
    }
