"""What the admin's home page shows each role first (templates/admin/index.html):
the front desk's workload, or the articles waiting for a clinician's review."""

from django.db.models import Count, Q
from django.urls import reverse

from appointments.models import AppointmentRequest
from appointments.models.bookings import clinic_date, local_days
from appointments.models.requests import overdue_cutoff, unreached_attempts

Status = AppointmentRequest.Status


def front_desk_counts(user):
    """The front desk's counts, in one query."""
    today = clinic_date()
    start, end = local_days(today, today)
    waiting = Q(status__in=AppointmentRequest.CALL_BACK_STATUSES, call_back_by__isnull=False)
    return AppointmentRequest.objects.aggregate(
        new=Count("pk", filter=Q(status=Status.NEW)),
        overdue=Count(
            "pk",
            filter=Q(
                status=Status.NEW,
                created__lt=overdue_cutoff(),
                first_contacted_at__isnull=True,
            ),
        ),
        call_back_today=Count("pk", filter=waiting & Q(call_back_by=today)),
        call_back_overdue=Count("pk", filter=waiting & Q(call_back_by__lt=today)),
        unreached=Count(
            "pk",
            filter=Q(
                status__in=AppointmentRequest.CALL_BACK_STATUSES,
                unanswered_attempts__gte=unreached_attempts(),
            ),
        ),
        booked_today=Count(
            "pk",
            filter=Q(status=Status.SCHEDULED, appointment_at__gte=start, appointment_at__lt=end),
        ),
        mine=Count(
            "pk",
            filter=Q(assigned_to=user) & ~Q(status__in=AppointmentRequest.FINISHED_STATUSES),
        ),
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
