"""The practice manager's report: which articles bring appointment requests."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils import timezone

from appointments.models import AppointmentRequest

DAYS = 90


def article_report(model_admin, request):
    """Requests per source article over the last 90 days. Practice managers only.

    Template: ``appointments/admin/article_report.html``; context: ``rows``, ``since``.
    """
    if not request.user.is_superuser:
        raise PermissionDenied
    since = timezone.now() - timedelta(days=DAYS)
    rows = (
        AppointmentRequest.objects.filter(created__gte=since)
        .values("source_article", "source_article__title", "source_article__slug")
        .annotate(
            requests=Count("pk"),
            scheduled=Count("pk", filter=Q(status=AppointmentRequest.Status.SCHEDULED)),
        )
        .order_by("-requests", "source_article__title")
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Appointment requests per article, last {DAYS} days",
        "rows": rows,
        "since": since,
    }
    return TemplateResponse(request, "appointments/admin/article_report.html", context)
