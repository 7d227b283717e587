from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone

# How long to wait before each new try of an email that failed: the first within a
# minute, then longer and longer, a little over a day in all. Then it shows as failed.
RETRY_DELAYS = [timedelta(seconds=s) for s in (30, 60, 120, 300, 900, 1800, 3600)] + [
    timedelta(hours=h) for h in (2, 4, 6, 12)
]


class EmailQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(status=Email.Status.WAITING)

    def stuck(self, grace=timedelta(minutes=2)):
        """Waiting past their time: the worker that had them stopped, or none has run."""
        return self.waiting().filter(next_try_at__lt=timezone.now() - grace)

    def failed_or_waiting(self):
        return self.exclude(status=Email.Status.SENT)

    def about(self, reference):
        return self.filter(reference=reference)

    def visible_to(self, user):
        """An invitation holds a one-time link to set a password: only the practice
        manager (who may set anyone's password anyway) sees those."""
        return self if user.is_superuser else self.exclude(kind__in=Email.MANAGER_ONLY_KINDS)


class Email(models.Model):
    """One email the site sends, kept until it has gone out.

    Written in the same transaction as whatever it is about (an appointment
    request), then sent by the background worker (core.outbox). No patient data in
    subject or body: the subject names a reference at most.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"

    STAFF_INVITATION = "staff invitation"
    # Kinds whose body no one but the practice manager may read (EmailQuerySet.visible_to).
    MANAGER_ONLY_KINDS = {STAFF_INVITATION}

    kind = models.CharField(max_length=40, help_text="What the email is for.")
    reference = models.CharField(
        max_length=20, blank=True, db_index=True, help_text="What it is about, e.g. AR-7K3Q9."
    )
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    attachments = models.JSONField(
        default=list,
        blank=True,
        help_text='Files sent with it: [{"filename", "content" (text), "mimetype"}].',
    )
    status = models.CharField(max_length=7, choices=Status, default=Status.WAITING)
    tries = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = EmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "next_try_at"])]
        permissions = [("send_again", "Can send a failed email again")]

    def __str__(self):
        return self.subject

    @property
    def message_id(self):
        """The same Message-ID on every try, so a receiving server can recognise a copy;
        unique across installations by the moment the email was written."""
        host = urlsplit(settings.SITE_URL).hostname or "clinic.invalid"
        return f"<email-{self.pk}.{self.created.timestamp():.6f}@{host}>"

    def schedule_retry(self, error):
        """After a failed try: the next one later, or give up after the last delay."""
        self.last_error = f"{timezone.localtime():%Y-%m-%d %H:%M} {error!r}"[:1000]
        if self.tries > len(RETRY_DELAYS):
            self.status = self.Status.FAILED
        else:
            self.next_try_at = timezone.now() + RETRY_DELAYS[self.tries - 1]


class AccessRecordQuerySet(models.QuerySet):
    def about(self, reference, received=None):
        """Records naming this request (references are stored space-separated) and,
        given when it was received, every export since then too wide to name each
        request (appointments/export.py): it may have held this one."""
        naming = models.Q(references__contains=f" {reference} ")
        if received is not None:
            naming |= models.Q(action=AccessRecord.Action.EXPORTED, references="", at__gte=received)
        return self.filter(naming)

    def past_retention(self, days=None):
        days = settings.ACCESS_RECORD_RETENTION_DAYS if days is None else days
        return self.filter(at__lt=timezone.now() - timedelta(days=days))


class AccessRecord(models.Model):
    """Who looked at which patients' requests, when, from where (core/access_record.py).

    Holds references and ids only, never patient data. Written by the pages that show
    a request's details, never changed; kept ACCESS_RECORD_RETENTION_DAYS (six years).
    """

    class Action(models.TextChoices):
        VIEWED = "viewed", "Opened a request"
        LISTED = "listed", "Listed requests"
        HISTORY = "history", "Opened a request's history"
        BOOKED = "booked", "Listed booked appointments"
        EXPORTED = "exported", "Exported requests"
        EMAIL = "email", "Viewed an email"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Kept as the username below if the account is ever deleted.",
    )
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=10, choices=Action)
    # " AR-7K3Q9 AR-2M4PX ": space-separated, with a space at each end, so that one
    # request's records are found with `contains " AR-7K3Q9 "` (AccessRecordQuerySet.about).
    references = models.TextField(help_text="The requests' references.")
    count = models.PositiveIntegerField(help_text="How many requests.")
    detail = models.CharField(
        max_length=100, blank=True, help_text="What else was opened, by id (an email's number)."
    )
    client_ip = models.GenericIPAddressField(null=True, blank=True, verbose_name="address")

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = "access record"
        verbose_name_plural = "access record"

    def __str__(self):
        return f"{self.username} {self.get_action_display().lower()} ({self.count})"

    @property
    def reference_list(self):
        return self.references.split()
