"""What the admin's home page shows each role first (templates/admin/index.html):
the front desk's workload, or the articles waiting for a clinician's review."""

from django.db.models import Count, Q
from django.urls import reverse

from appointments.models import AppointmentRequest
from appointments.models.bookings import clinic_date

Status = AppointmentRequest.Status


def front_desk_counts(user):
    """The front desk's counts, in one query, each from the same queryset method as
    the list it links to."""
    requests = AppointmentRequest.objects
    today = clinic_date()
    lists = {
        "new": requests.filter(status=Status.NEW),
        "overdue": requests.overdue(),
        "call_back_today": requests.call_back_due_today(today),
        "call_back_overdue": requests.call_back_overdue(today),
        "unreached": requests.unable_to_reach(),
        "booked_today": requests.booked_between(today, today),
        "mine": requests.open().filter(assigned_to=user),
    }
    return requests.aggregate(
        **{
            name: Count("pk", filter=Q(pk__in=found.order_by().values("pk")))
            for name, found in lists.items()
        }
    )


def home_summary(request):
    """{"front_desk": {...} or None, "clinician": {...} or None} for the user."""
    user = request.user
    summary = {"front_desk": None, "clinician": None}
    if user.has_perm("appointments.view_appointmentrequest"):
        requests_url = reverse("admin:appointments_appointmentrequest_changelist")
        booked_url = reverse("admin:appointments_appointmentrequest_booked")
        summary["front_desk"] = {
            "counts": front_desk_counts(user),
            "new_url": f"{requests_url}?status__exact=new",
            "overdue_url": f"{requests_url}?overdue=yes",
            "call_back_today_url": f"{requests_url}?call_back=today",
            "call_back_overdue_url": f"{requests_url}?call_back=overdue",
            "unreached_url": f"{requests_url}?unreached=yes",
            "booked_today_url": f"{booked_url}?day=today",
            "booked_url": booked_url,
            "mine_url": f"{requests_url}?assigned_to__id__exact={user.pk}&open=yes",
        }
    if user.has_perm("education.view_article"):
        from education.models import Article

        summary["clinician"] = {
            "review_due": Article.objects.review_due().count(),
            "review_due_url": reverse("admin:education_article_changelist") + "?review_due=yes",
        }
    return summary
