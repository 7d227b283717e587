from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django_prose_editor.fields import ProseEditorField
from simple_history.models import HistoricalRecords

from education.sanitize import ARTICLE_EDITOR_EXTENSIONS, clean_article_html


class TopicQuerySet(models.QuerySet):
    def with_published_articles(self):
        """Topics that have at least one published article, with how many."""
        now = timezone.now()
        published = Q(articles__status=Article.Status.PUBLISHED, articles__publish_at__lte=now)
        return self.annotate(article_count=Count("articles", filter=published)).filter(
            article_count__gt=0
        )


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

    name = models.CharField(max_length=150, help_text='Full name as patients see it, e.g. "Ana Ruiz".')
    credentials = models.CharField(
        max_length=60, help_text='Degrees and licences after the name, e.g. "MD" or "DPT, OCS".'
    )
    title = models.CharField(
        max_length=150, blank=True, help_text='Role at the clinic, e.g. "Interventional pain physician".'
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


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Published articles whose publication time has come (no cron needed)."""
        return self.filter(status=Article.Status.PUBLISHED, publish_at__lte=timezone.now())

    def featured(self):
        return self.filter(featured=True)

    def for_listing(self):
        """What a list of articles shows, in a fixed number of queries."""
        return self.prefetch_related("topics")

    def review_due(self):
        """Never reviewed, or last reviewed more than a year ago."""
        year_ago = timezone.localdate() - Article.REVIEW_INTERVAL
        return self.filter(Q(reviewed_on__isnull=True) | Q(reviewed_on__lt=year_ago))


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    REVIEW_INTERVAL = timezone.timedelta(days=365)

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The last part of the web address. Keep it short."
    )
    summary = models.CharField(
        max_length=300,
        help_text="One or two plain sentences. Shown in lists and to search engines.",
    )
    body = ProseEditorField(extensions=ARTICLE_EDITOR_EXTENSIONS, sanitize=clean_article_html)
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

    def get_absolute_url(self):
        return reverse("education:article_detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        # Whatever the editor, an import or the shell sends, only safe HTML is stored.
        self.body = clean_article_html(self.body)
        super().save(*args, **kwargs)

    @property
    def is_live(self):
        return self.status == self.Status.PUBLISHED and self.publish_at <= timezone.now()

    @property
    def review_due(self):
        return self.reviewed_on is None or self.reviewed_on < (
            timezone.localdate() - self.REVIEW_INTERVAL
        )
