import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django_prose_editor.fields import ProseEditorField
from simple_history.models import HistoricalRecords

from core.page_cache import remember
from education import readability, search
from education.images import Image, existing_ids
from education.revisions import CONTENT_FIELDS, FIRST_REVISION_NOTE, Revision, snapshot
from education.sanitize import ARTICLE_EDITOR_EXTENSIONS, clean_article_html


class TopicQuerySet(models.QuerySet):
    def with_article_counts(self):
        """Every topic, with how many published articles it has and when the last one
        changed (``article_count``, ``last_updated``)."""
        now = timezone.now()
        published = Q(articles__status=Article.Status.PUBLISHED, articles__publish_at__lte=now)
        return self.annotate(
            article_count=Count("articles", filter=published),
            last_updated=Max("articles__updated", filter=published),
        )

    def with_published_articles(self):
        """Topics that have at least one published article, with how many."""
        return self.with_article_counts().filter(article_count__gt=0)


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(
        blank=True, help_text="One or two plain sentences shown on the topic page."
    )

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("education:topic_detail", kwargs={"slug": self.slug})


class Clinician(models.Model):
    """A clinician who writes or medically reviews articles."""

    name = models.CharField(
        max_length=150, help_text='Full name as patients see it, e.g. "Ana Ruiz".'
    )
    credentials = models.CharField(
        max_length=60, help_text='Degrees and licences after the name, e.g. "MD" or "DPT, OCS".'
    )
    title = models.CharField(
        max_length=150,
        blank=True,
        help_text='Role at the clinic, e.g. "Interventional pain physician".',
    )
    bio = models.TextField(blank=True, help_text="A short paragraph about the clinician.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clinician",
        help_text="The staff account of this clinician, if they have one.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def as_person(self):
        """The clinician as a schema.org Person, for structured data."""
        person = {"@type": "Person", "name": self.name, "honorificSuffix": self.credentials}
        if self.title:
            person["jobTitle"] = self.title
        return person


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Published articles whose publication time has come (no cron needed)."""
        return self.filter(status=Article.Status.PUBLISHED, publish_at__lte=timezone.now())

    def scheduled(self):
        """Set to publish but waiting for their time, soonest first."""
        return self.filter(status=Article.Status.PUBLISHED, publish_at__gt=timezone.now()).order_by(
            "publish_at"
        )

    def next_publication(self):
        """When the soonest scheduled article goes live, or None."""
        return self.scheduled().values_list("publish_at", flat=True).first()

    def featured(self):
        return self.filter(featured=True)

    def for_listing(self):
        """What a list of articles shows, in a fixed number of queries. The body is
        left in the database: lists never show it."""
        return self.defer("body").select_related("lead_image").prefetch_related("topics")

    def search(self, terms):
        """Articles matching what a patient typed, best match first (see education.search)."""
        return search.matching(self, terms)

    def related_to(self, article, limit=3):
        """Other articles sharing the most topics with ``article``, newest first among
        equals. Pass an article whose topics are already loaded to save a query."""
        topic_ids = [topic.pk for topic in article.topics.all()]
        return (
            self.exclude(pk=article.pk)
            .filter(topics__in=topic_ids)
            .annotate(shared_topics=Count("topics"))
            .order_by("-shared_topics", "-publish_at")
            .defer("body")
            .select_related("lead_image")[:limit]
        )

    def review_due(self):
        """Never reviewed, or last reviewed longer ago than ARTICLE_REVIEW_MONTHS."""
        return self.filter(Q(reviewed_on__isnull=True) | Q(reviewed_on__lt=review_due_before()))

    def waiting_for_review_by(self, user):
        """Articles whose working copy waits for a medical review that ``user`` may
        give: sent for review, and not written (even in part) by them."""
        written_by_user = Revision.objects.filter(
            article=OuterRef("pk"),
            created_by=user,
            number__gt=Coalesce(OuterRef("live_revision__number"), 0),
        )
        waiting = self.filter(latest_revision__state=Revision.State.IN_REVIEW).exclude(
            Exists(written_by_user)
        )
        clinician = getattr(user, "clinician", None)
        if clinician is not None:
            waiting = waiting.exclude(latest_revision__content__author=clinician.pk)
        return waiting


def review_due_before():
    """Articles last reviewed before this date are due again (ARTICLE_REVIEW_MONTHS)."""
    today = timezone.localdate()
    months = today.year * 12 + today.month - 1 - settings.ARTICLE_REVIEW_MONTHS
    year, month = divmod(months, 12)
    # Feb 29 or the 31st a year back becomes the last day of that month.
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return today.replace(year=year, month=month + 1, day=day)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    # Addresses under /articles/ that an article slug must not take.
    RESERVED_SLUGS = {"feed", "topics"}

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The last part of the web address. Keep it short."
    )
    summary = models.CharField(
        max_length=300,
        help_text="One or two plain sentences. Shown in lists and to search engines.",
    )
    body = ProseEditorField(
        extensions=ARTICLE_EDITOR_EXTENSIONS,
        sanitize=clean_article_html,
        help_text="To show a picture from the image library, type its marker on a line of "
        "its own, e.g. [image 12] (each image's marker is in Patient education → Images).",
    )
    topics = models.ManyToManyField(Topic, related_name="articles", blank=True)
    author = models.ForeignKey(
        Clinician,
        on_delete=models.PROTECT,
        related_name="authored_articles",
        null=True,
        blank=True,
    )
    # The public byline: the sign-off of the revision patients read, copied at
    # publication (education.revisions); never typed in.
    reviewer = models.ForeignKey(
        Clinician,
        on_delete=models.PROTECT,
        related_name="reviewed_articles",
        null=True,
        blank=True,
        verbose_name="medical reviewer",
        help_text="The clinician who approved the published revision.",
    )
    reviewed_on = models.DateField(
        null=True, blank=True, help_text="The date the published revision was approved."
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        default=timezone.now,
        help_text="The article appears on the site at this time. Set a future time to schedule it.",
    )
    featured = models.BooleanField(default=False, help_text="Show on the home page.")
    lead_image = models.ForeignKey(
        Image,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lead_of",
        help_text="Optional: shown at the top of the article and on its card. Choose from "
        "the image library (Patient education → Images).",
    )
    sources = models.TextField(
        blank=True,
        help_text="For the medical reviewer: the guidelines and patient pages this article's "
        "facts were checked against, one per line, with the year. Patients see this list "
        "only if the clinic turns on ARTICLE_SOURCES_PUBLIC.",
    )
    live_revision = models.ForeignKey(
        Revision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The revision patients read (or will, once its time comes).",
    )
    latest_revision = models.ForeignKey(
        Revision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The newest revision: the working copy when it is not the live one.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        m2m_fields=[topics], excluded_fields=["updated", "live_revision", "latest_revision"]
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at"]
        permissions = [
            ("publish_article", "Can publish articles"),
            ("review_article", "Can approve articles as medical reviewer"),
        ]
        indexes = [models.Index(fields=["status", "publish_at"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Whatever the editor, an import or the shell sends, only safe HTML is stored.
        self.body = clean_article_html(self.body, library=existing_ids)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("education:article_detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.slug in self.RESERVED_SLUGS:
            raise ValidationError(
                {"slug": f'"{self.slug}" is already used by the site. Choose another.'}
            )

    # Revisions (education.revisions): the admin saves every edit as one.

    @property
    def edits_wait_for_approval(self):
        """True once the article is on the site or scheduled: edits then go to the
        working copy, and patients keep the published text until one is approved."""
        return self.status == self.Status.PUBLISHED

    @property
    def working_copy(self):
        """The newest revision when patients do not read it yet, else None."""
        latest = self.latest_revision
        if latest is None or latest.pk == self.live_revision_id:
            return None
        return latest

    def apply_content(self, content):
        """Fill this (unsaved) article with a revision's content; topics are kept
        aside in ``working_topic_ids`` since they live in another table."""
        for field in CONTENT_FIELDS:
            if field in content:
                setattr(self, self._meta.get_field(field).attname, content[field])
        self.working_topic_ids = list(content.get("topics", []))

    def ensure_first_revision(self):
        """Articles made before revisions existed (or by a script) get revision 1:
        what they hold now, with the sign-off they carry."""
        if self.latest_revision_id or not self.pk:
            return
        published = self.status == self.Status.PUBLISHED
        revision = self.revisions.create(
            number=1,
            content=snapshot(self),
            state=Revision.State.PUBLISHED if published else Revision.State.DRAFT,
            note=FIRST_REVISION_NOTE,
            reviewer=self.reviewer if published else None,
            approved_at=_start_of(self.reviewed_on) if published else None,
        )
        self.latest_revision = revision
        if published:
            self.live_revision = revision
        Article.objects.filter(pk=self.pk).update(
            latest_revision=revision, live_revision=self.live_revision
        )

    @transaction.atomic
    def save_revision(self, user, content, note="", *, new_article=False):
        """Record ``content`` as the newest revision, written by ``user``; unchanged
        content makes no revision. Before publication the article takes the content
        at once (nobody reads it yet); afterwards patients keep the published text.
        Returns the new revision, or None. ``new_article``: this is its first text,
        not an article from before revisions."""
        if not new_article:
            self.ensure_first_revision()
        # One save at a time per article: revision numbers stay unique, and a save
        # compares with the newest revision even if someone saved a moment ago.
        locked = Article.objects.select_for_update().only("latest_revision").get(pk=self.pk)
        self.latest_revision_id = locked.latest_revision_id
        latest = self.latest_revision
        if latest is not None and latest.content == content:
            return None
        revision = self.revisions.create(
            number=self.next_revision_number(), content=content, created_by=user, note=note
        )
        self.latest_revision = revision
        if not self.edits_wait_for_approval:
            self.apply_content(content)
            self.save()
            self.topics.set(content["topics"])
        else:
            Article.objects.filter(pk=self.pk).update(latest_revision=revision)
        return revision

    def next_revision_number(self):
        # Discarded revisions keep their numbers: count on from the highest.
        highest = self.revisions.aggregate(highest=Max("number"))["highest"]
        return (highest or 0) + 1

    def revert_to(self, revision, user):
        """A new working copy with an earlier revision's content; it needs approval
        like any other edit."""
        return self.save_revision(
            user, dict(revision.content), note=f"Back to revision {revision.number}"
        )

    @transaction.atomic
    def discard_changes(self, user):
        """Drop the working copy: the next edit starts from what patients read."""
        if self.live_revision_id is None or self.working_copy is None:
            raise ValidationError("There are no unpublished changes to discard.")
        self.revisions.filter(number__gt=self.live_revision.number).exclude(
            state=Revision.State.DISCARDED
        ).update(state=Revision.State.DISCARDED, go_live_at=None)
        self.latest_revision = self.live_revision
        Article.objects.filter(pk=self.pk).update(latest_revision=self.live_revision)

    def unpublish(self, user):
        """Take the article off the site. Its revisions and sign-off are kept."""
        if self.status != self.Status.PUBLISHED:
            raise ValidationError("This article is not published.")
        self.status = self.Status.DRAFT
        self._change_reason = "Unpublished"
        self.save()

    @property
    def is_live(self):
        return self.status == self.Status.PUBLISHED and self.publish_at <= timezone.now()

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.publish_at > timezone.now()

    @cached_property
    def plain_text(self):
        return readability.plain_text(self.body)

    @cached_property
    def word_count(self):
        return readability.word_count(self.plain_text)

    @property
    def reading_minutes(self):
        return readability.reading_minutes(self.word_count)

    @cached_property
    def grade_level(self):
        """Flesch-Kincaid grade: aim for 8 or lower so most patients can read it."""
        return readability.grade_level(self.plain_text)

    def structured_data(self, url, home_url):
        """JSON-LD for search engines: a MedicalWebPage with its clinical review."""
        data = {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "name": self.title,
            "headline": self.title,
            "description": self.summary,
            "url": url,
            "inLanguage": "en-US",
            "about": [{"@type": "Thing", "name": topic.name} for topic in self.topics.all()],
            "datePublished": timezone.localtime(self.publish_at).isoformat(),
            "dateModified": timezone.localtime(self.updated).isoformat(),
            "publisher": {
                "@type": "MedicalOrganization",
                "name": settings.CLINIC_NAME,
                "telephone": settings.CLINIC_PHONE,
                "url": home_url,
            },
        }
        if self.reviewed_on:
            data["lastReviewed"] = self.reviewed_on.isoformat()
        if self.reviewer:
            data["reviewedBy"] = self.reviewer.as_person()
        if self.author:
            data["author"] = self.author.as_person()
        if self.lead_image and (rendition := self.lead_image.rendition(1200)):
            data["image"] = {
                "@type": "ImageObject",
                "url": self.lead_image.public_url(1200),
                "width": rendition["width"],
                "height": rendition["height"],
            }
        return data

    @property
    def review_due(self):
        return self.reviewed_on is None or self.reviewed_on < review_due_before()


def _start_of(day):
    """Midnight at the clinic at the start of ``day`` (a date), or None."""
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class EmergencyNotice(models.Model):
    """The "when to get help right away" callout at the top of every article page.

    One per site, kept by the clinic in the admin; it links to the full article on
    emergencies so every page says what counts as one.
    """

    DEFAULT_TEXT = (
        "Call 911 or go to the emergency room if back or neck pain comes with loss of "
        "bladder or bowel control, numbness in the groin or inner thighs, or new weakness "
        "in a leg or arm.\n"
        "Thinking of harming yourself? Call or text 988."
    )

    heading = models.CharField(max_length=100, default="When to get help right away")
    text = models.TextField(
        max_length=800,
        default=DEFAULT_TEXT,
        help_text="Plain words, no more than a few lines; each line break starts a paragraph. "
        "Name the warning signs, not the conditions.",
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="full article",
        help_text="The article with all the warning signs, linked from the notice.",
    )
    link_text = models.CharField(
        max_length=100, default="All the warning signs, and when to call us"
    )
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        verbose_name = "emergency notice"

    def __str__(self):
        return self.heading

    @classmethod
    def current(cls):
        """The notice to show, as a dict kept in the shared cache until content changes:
        the clinic's own, or the built-in wording if there is none."""
        return remember("emergency-notice", cls.compute_current)

    @classmethod
    def compute_current(cls):
        notice = cls.objects.select_related("article").first() or cls()
        linked = notice.article if notice.article and notice.article.is_live else None
        return {
            "heading": notice.heading,
            "paragraphs": [line for line in notice.text.splitlines() if line.strip()],
            "url": linked.get_absolute_url() if linked else "",
            "link_text": notice.link_text,
        }
