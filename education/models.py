from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django_prose_editor.fields import ProseEditorField
from simple_history.models import HistoricalRecords

from core.page_cache import remember
from education import readability, search
from education.images import Image, existing_ids
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
        """Never reviewed, or last reviewed more than a year ago."""
        year_ago = timezone.localdate() - Article.REVIEW_INTERVAL
        return self.filter(Q(reviewed_on__isnull=True) | Q(reviewed_on__lt=year_ago))


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    REVIEW_INTERVAL = timezone.timedelta(days=365)
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
    reviewer = models.ForeignKey(
        Clinician,
        on_delete=models.PROTECT,
        related_name="reviewed_articles",
        null=True,
        blank=True,
        verbose_name="medical reviewer",
        help_text="The clinician who checked this article is medically accurate.",
    )
    reviewed_on = models.DateField(
        null=True, blank=True, help_text="The date of the medical review."
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
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[topics], excluded_fields=["updated"])

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at"]
        permissions = [("publish_article", "Can publish articles")]
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
        errors = {}
        if self.slug in self.RESERVED_SLUGS:
            errors["slug"] = f'"{self.slug}" is already used by the site. Choose another.'
        if self.reviewed_on and self.reviewed_on > timezone.localdate():
            errors["reviewed_on"] = "The review date cannot be in the future."
        if self.reviewer_id and self.reviewer_id == self.author_id:
            # A medical review is a second clinician's check of the author's work.
            errors["reviewer"] = "The medical reviewer must be someone other than the author."
        if self.status == self.Status.PUBLISHED:
            missing = {
                field: "Required before publishing."
                for field in ("reviewer", "reviewed_on")
                if getattr(self, field) is None and field not in errors
            }
            if missing:
                errors.update(missing)
                errors[NON_FIELD_ERRORS] = (
                    "Clinical review is required before publishing: choose the medical "
                    "reviewer and enter the review date, or save the article as a draft."
                )
        if errors:
            raise ValidationError(errors)

    def publish(self):
        """Mark as published, checking the clinical review first (raises
        ValidationError). A draft whose time has passed goes out now, not at the
        date it was first saved; a future time keeps it scheduled."""
        if self.status == self.Status.DRAFT and self.publish_at < timezone.now():
            self.publish_at = timezone.now()
        self.status = self.Status.PUBLISHED
        self.clean()
        self.save()

    def unpublish(self):
        self.status = self.Status.DRAFT
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
        return self.reviewed_on is None or self.reviewed_on < (
            timezone.localdate() - self.REVIEW_INTERVAL
        )


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
