"""Email headers (issue 28): a line break in an article title once made the reviewers'
email fail on every try for a day. Titles are one line at input, every subject is
folded to one line in the outbox, and an email that cannot be built at all is marked
failed at once, with the reason."""

from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError

from core.models import Email
from core.outbox import deliver, send_later
from education import reminders
from tests.education.conftest import make_article, make_reviewer, make_topic
from tests.education.test_admin import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_user(django_user_model):
    reviewer = make_reviewer(django_user_model)
    reviewer.email = "reviewer@clinic.example"
    reviewer.save()
    return reviewer


def test_a_title_with_a_line_break_is_refused_in_the_admin(clinician_client):
    topic = make_topic()

    response = clinician_client.post(
        "/admin/education/article/add/",
        form_data(topic, title="Facet joints\nBcc: someone@example.org", slug="facet"),
    )

    assert response.status_code == HTTPStatus.OK
    assert "Keep this on one line" in response.text
    assert not response.context["adminform"].form.is_valid()


@pytest.mark.parametrize("breaker", ["\n", "\r", "\r\n", "\u2028", "\x85", "\v"])
def test_every_kind_of_line_break_is_refused(breaker):
    article = make_article(
        f"Facet joints{breaker}explained", slug="facet-joints-explained", published=False
    )

    with pytest.raises(ValidationError, match="one line"):
        article.full_clean()


def test_a_title_with_a_line_break_from_before_still_reaches_the_reviewers(
    clinician_user, reviewer_user, mailoutbox
):
    """A title stored before the rule (or by a script) is folded into one line."""
    article = make_article(
        "Facet joints\nexplained", slug="facet-joints-explained", published=False
    )
    article.ensure_first_revision()
    revision = article.latest_revision
    revision.created_by = clinician_user
    revision.save()
    revision.submit_for_review(clinician_user)

    assert reminders.tell_reviewers_it_waits(revision) == 1

    email = Email.objects.get()
    assert email.status == Email.Status.SENT, email.last_error
    assert email.subject == "Waiting for your review: Facet joints explained"
    assert [message.subject for message in mailoutbox] == [email.subject]


def test_subjects_are_one_line_and_fit_their_column():
    email = send_later(
        kind="test", to=["desk@clinic.example"], subject="A\r\n  title  " + "x" * 300, body="b"
    )

    assert email.subject == "A title " + "x" * 192
    assert len(email.subject) == Email._meta.get_field("subject").max_length


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Waiting for your review: Facet\nBcc: someone@example.org"},
        {"to": ["reviewer@clinic.example\nBcc: someone@example.org"]},
    ],
    ids=["subject", "address"],
)
def test_an_email_that_cannot_be_built_fails_at_once_with_the_reason(fields, mailoutbox):
    # Written as send_later would never write it: as a row from before the rule.
    email = Email.objects.create(
        kind="test", **{"to": ["reviewer@clinic.example"], "subject": "s", "body": "b"} | fields
    )

    assert deliver.call(email.pk) == "failed"

    email.refresh_from_db()
    assert email.status == Email.Status.FAILED
    assert email.tries == 1
    assert "could not be written" in email.last_error
    assert "line" in email.last_error  # the reason: a line break in a header
    assert mailoutbox == []


def test_an_unexpected_error_with_one_email_leaves_the_others_of_its_task_tried(mailoutbox):
    """A new request's two emails share a task: if one cannot be tried at all (here a
    row no code of ours writes: an attachment without its content), the other still
    goes, the broken one waits for the sweep, and the task ends with the error."""
    broken, fine = (
        Email.objects.create(kind="test", to=[f"{name}@clinic.example"], subject=name, body="b")
        for name in ("broken", "fine")
    )
    Email.objects.filter(pk=broken.pk).update(attachments=[{"filename": "visit.ics"}])

    with pytest.raises(KeyError):
        deliver.call(broken.pk, fine.pk)

    assert [message.subject for message in mailoutbox] == ["fine"]
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert (broken.status, fine.status) == (Email.Status.WAITING, Email.Status.SENT)
    assert deliver.call(fine.pk) == "nothing to do"
