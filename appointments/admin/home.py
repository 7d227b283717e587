"""What the admin's home page shows each role first (templates/admin/index.html):
the front desk's workload, or the articles waiting for a clinician's review."""

from django.db.models import Func, IntegerField, Value
from django.urls import reverse

from appointments.admin.parts import booked_days
from appointments.models import AppointmentRequest
from appointments.models.bookings import clinic_date

Status = AppointmentRequest.Status


class RowCount(Func):
    """COUNT(*) of a filtered query, written so that Django adds no GROUP BY."""

    template = "COUNT(*)"
    output_field = IntegerField()


def workload(user, today=None):
    """The front desk's tiles, in order: {name: {"count", "url"}}. Each count is of the
    very queryset the linked page shows (the list's filter or the booked-day view
    calls the same method), all counted in one query, each part on an index."""
    requests = AppointmentRequest.objects
    today = today or clinic_date()
    list_url = reverse("admin:appointments_appointmentrequest_changelist")
    booked_url = reverse("admin:appointments_appointmentrequest_booked")
    tiles = {
        "new": (requests.new(), f"{list_url}?status__exact=new"),
        "overdue": (requests.overdue(), f"{list_url}?overdue=yes"),
        "call_back_today": (requests.call_back_due_today(today), f"{list_url}?call_back=today"),
        "call_back_overdue": (
            requests.call_back_overdue(today),
            f"{list_url}?call_back=overdue",
        ),
        "unreached": (requests.unable_to_reach(), f"{list_url}?unreached=yes"),
        "booked_today": (
            requests.booked_between(*booked_days("today", today)),
            f"{booked_url}?day=today",
        ),
        "booked_week": (
            requests.booked_between(*booked_days("week", today)),
            f"{booked_url}?day=week",
        ),
        "mine": (
            requests.open(today).filter(assigned_to=user),
            f"{list_url}?assigned_to__id__exact={user.pk}&open=yes",
        ),
    }
    counts = count_each({name: found for name, (found, _) in tiles.items()})
    return {name: {"count": counts[name], "url": url} for name, (_, url) in tiles.items()}


def count_each(querysets):
    """{name: number of rows} of each queryset, in one query (UNION ALL of counts)."""
    parts = [
        found.order_by().annotate(tile=Value(name), rows=RowCount()).values_list("tile", "rows")
        for name, found in querysets.items()
    ]
    return dict(parts[0].union(*parts[1:], all=True).order_by())


def home_summary(request):
    """{"front_desk": {...} or None, "clinician": {...} or None} for the user."""
    user = request.user
    summary = {"front_desk": None, "clinician": None}
    if user.has_perm("appointments.view_appointmentrequest"):
        summary["front_desk"] = {
            "tiles": workload(user),
            "booked_url": reverse("admin:appointments_appointmentrequest_booked"),
        }
    if user.has_perm("education.view_article"):
        from education.models import Article

        summary["clinician"] = {
            "review_due": Article.objects.review_due().count(),
            "review_due_url": reverse("admin:education_article_changelist") + "?review_due=yes",
        }
    return summary
