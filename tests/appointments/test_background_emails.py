"""The scheduled emails: the overdue alert to the front desk and the weekly reminder
to medical reviewers. Free of patient data; each request named once."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import Email
from tests.appointments.conftest import make_request
from tests.education.conftest import make_article, make_clinician

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

HOUR = timedelta(hours=1)


def test_the_overdue_alert_names_each_late_request_once_and_nothing_else(settings, mailoutbox):
    settings.FRONT_DESK_EMAILS = ["desk@clinic.example"]
    late = make_request(created=timezone.now() - 30 * HOUR, first_name="Dana")
    make_request()  # new, not late yet

    out = StringIO()
    call_command("alert_overdue_requests", stdout=out)
    call_command("alert_overdue_requests", stdout=StringIO())  # the next hour

    assert "1 request(s) named" in out.getvalue()
    assert len(mailoutbox) == 1
    alert = mailoutbox[0]
    assert alert.to == ["desk@clinic.example"]
    assert late.reference in alert.body
    assert "?overdue=yes" in alert.body
    for secret in ("Dana", "Whitfield", "8675309", "Lower back pain"):
        assert secret not in alert.subject + alert.body


def test_no_overdue_alert_when_nothing_is_late(mailoutbox):
    make_request()

    call_command("alert_overdue_requests", stdout=StringIO())

    assert mailoutbox == []


def test_reviewers_are_reminded_of_their_own_due_articles(django_user_model, mailoutbox):
    account = django_user_model.objects.create_user("ruiz", "ruiz@clinic.example", "pw")
    reviewer = make_clinician(user=account)
    stale = make_article(
        "Stale", reviewer=reviewer, reviewed_on=timezone.localdate() - timedelta(days=400)
    )
    make_article("Fresh", reviewer=reviewer, reviewed_on=timezone.localdate())
    make_article(
        "Someone else's",
        reviewer=make_clinician("Dr. Other"),
        reviewed_on=timezone.localdate() - timedelta(days=400),
    )

    call_command("remind_reviewers", stdout=StringIO())

    assert len(mailoutbox) == 1
    reminder = mailoutbox[0]
    assert reminder.to == ["ruiz@clinic.example"]
    assert "Stale" in reminder.body
    assert f"/admin/education/article/{stale.pk}/change/" in reminder.body
    assert "Fresh" not in reminder.body
    assert Email.objects.get().kind == "review reminder"
