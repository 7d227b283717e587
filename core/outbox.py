"""Email leaves the request: it is written to the outbox with whatever it is about,
in one transaction, and a background worker sends it (Django's Tasks framework; the
worker is `manage.py run_worker`).

Each email goes out at most once and at least once (one task may carry several, the
emails about one thing, each tried in a transaction of its own):
- deliver_one() holds the email's row lock (select_for_update) while it sends, and
  does nothing for an email already sent: two workers, or a retry running beside the
  first try, cannot both send it;
- a worker killed mid-send rolls its transaction back, so the email is still
  waiting; requeue_stuck() (run at every worker start, and by cron) queues it again,
  as it does an email whose try ended in an unexpected error;
- a failure is retried later and later (core.models.RETRY_DELAYS), then the email
  shows as failed in the admin with a "Send again" action;
- an email that cannot even be written as a message (a line break in a header) would
  fail the same way on every try: it shows as failed at once, with the reason.
"""

import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from core.models import Email
from core.text import one_line

logger = logging.getLogger(__name__)


def send_later(**email):
    """Put an email (outgoing()'s arguments) in the outbox and queue its sending, both
    in the caller's transaction: stored together with what it is about, or not at all.
    Inside the caller's transaction no savepoint is made: an error here fails the
    caller's transaction too, which is the point."""
    return send_together([outgoing(**email)])[0]


def outgoing(*, kind, to, subject, body, reference="", attachments=()):
    """An email for send_together(), not stored yet. attachments: (filename, content,
    mimetype) triples with text content, e.g. an .ics calendar entry."""
    # A header is one line: a title typed before titles had to be, or any other text,
    # cannot break it. Cut to what the column holds rather than fail the caller.
    subject = one_line(subject)[: Email._meta.get_field("subject").max_length]
    return Email(
        kind=kind,
        reference=reference,
        to=list(to),
        subject=subject,
        body=body,
        attachments=[
            {"filename": filename, "content": content, "mimetype": mimetype}
            for filename, content, mimetype in attachments
        ],
    )


def send_together(emails):
    """send_later() for several emails (from outgoing()) about one thing: one INSERT and
    one queued task for them all (each is still sent, retried and shown on its own).
    A new appointment request sends two, and saves a statement and a task each time."""
    if not emails:
        return []
    with transaction.atomic(savepoint=False):
        Email.objects.bulk_create(emails)
        deliver.enqueue(*[email.pk for email in emails])
    return emails


@task
def deliver(*email_ids):
    """Send these emails from the outbox, one after the other, each unless it has gone
    out already. The outcome ("sent", "failed" or "nothing to do"), or for several
    emails the list of them.

    An unexpected error with one email (the database, a broken row) does not keep the
    others from their try: that one waits for the sweep (requeue_stuck), and the task
    ends with the first such error once every email has been tried."""
    outcomes, first_error = [], None
    for email_id in email_ids:
        try:
            outcomes.append(deliver_one(email_id))
        except Exception as error:
            # The type only: the error's text may quote an address.
            logger.error("Email %s could not be tried: %s", email_id, type(error).__name__)
            outcomes.append("error")
            first_error = first_error or error
    if first_error is not None:
        raise first_error
    return outcomes[0] if len(outcomes) == 1 else outcomes


def deliver_one(email_id):
    with transaction.atomic():
        email = Email.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != Email.Status.WAITING:
            return "nothing to do"
        email.tries += 1
        try:
            message = build_message(email)
        except (ValueError, TypeError, UnicodeError) as error:
            # The same on every try: no point waiting a day to say so.
            email.status = Email.Status.FAILED
            written = f"{timezone.localtime():%Y-%m-%d %H:%M}"
            email.last_error = f"{written} could not be written: {error}"[:1000]
            email.save()
            logger.error(
                "Email %s (%s) could not be written: %s",
                email.pk,
                email.reference or email.kind,
                type(error).__name__,
            )
            return "failed"
        try:
            message.send(using="default")
        except Exception as error:  # SMTP, DNS, timeouts, a broken backend: retry
            email.schedule_retry(error)
            email.save()
            # The reference only: the error text may quote an address.
            logger.warning(
                "Email %s (%s) failed, try %s: %s",
                email.pk,
                email.reference or email.kind,
                email.tries,
                type(error).__name__,
            )
            if email.status == Email.Status.WAITING and deliver.get_backend().supports_defer:
                deliver.using(run_after=email.next_try_at).enqueue(email.pk)
            return "failed"
        email.status, email.sent_at, email.last_error = Email.Status.SENT, timezone.now(), ""
        email.save()
    logger.info("Email %s (%s) sent", email.pk, email.reference or email.kind)
    return "sent"


def build_message(email):
    """The email as a message, checked as it will be sent (headers included): raises
    ValueError for a header with a line break, among others."""
    message = EmailMessage(email.subject, email.body, to=email.to)
    message.extra_headers["Message-ID"] = email.message_id
    for attachment in email.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    message.message()  # builds every header now, as the backend will
    return message


def send_again(email):
    """The admin's "Send again": a failed email waits once more, from its first try."""
    with transaction.atomic():
        Email.objects.filter(pk=email.pk).update(
            status=Email.Status.WAITING, tries=0, next_try_at=timezone.now()
        )
        deliver.enqueue(email.pk)


def requeue_stuck():
    """Queue again every email still waiting past its time (its worker was killed, or
    the queue lost it). Harmless for one that is merely slow: deliver() sends once."""
    count = 0
    for email_id in Email.objects.stuck().values_list("pk", flat=True):
        deliver.enqueue(email_id)
        count += 1
    if count:
        logger.info("Queued %s stuck email(s) again", count)
    return count
