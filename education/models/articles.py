from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django_prose_editor.fields import ProseEditorField

from core.history import kept_history
from core.text import single_line
from education import readability
from education.images import Image, existing_ids
from education.models.article_queries import ArticleQuerySet, slug_in
from education.models.clinicians import Clinician
from education.models.languages import (
    LANGUAGE_TAGS,
    in_its_language,
    language_field,
    translation_of_field,
)
from education.models.publishing import Status, review_due_before
from education.models.topics import Topic
from education.models.working_copy import WorkingCopyMixin
from education.revisions import Revision
from education.sanitize import ARTICLE_EDITOR_EXTENSIONS, clean_article_html
from education.sources import validate_sources


class Article(WorkingCopyMixin, models.Model):
    Status = Status

    # Addresses under /articles/ that an article slug must not take.
    RESERVED_SLUGS = {"feed", "topics"}

    # The title goes into reviewers' email subjects: one line.
    title = models.CharField(max_length=200, validators=[single_line])
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
        help_text="To show a picture from the image library, use “Insert image from "
        "library” above the editor, or type its marker on a line of its own, e.g. [image 12].",
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
    featured = models.BooleanField(
        default=False, help_text="Show on the home page (of the article's language)."
    )
    # A Spanish article is an article of its own, with its own revisions and its own
    # clinical sign-off; translation_of links it to the English original for the
    # language link and the hreflang alternates. Neither is part of a revision: they
    # say which article this is, not what it says (see clean()).
    language = language_field()
    translation_of = translation_of_field("article")
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
        validators=[validate_sources],
        help_text="For the medical reviewer: what this article's facts were checked "
        "against, one per line: a guideline or article ending with its year, or a web page "
        "with its address and the date it was read, “(read YYYY-MM-DD).” The review panel "
        "flags a page read over two years ago. Patients see this list only if the clinic "
        "turns on ARTICLE_SOURCES_PUBLIC.",
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

    history = kept_history(
        m2m_fields=[topics], excluded_fields=["updated", "live_revision", "latest_revision"]
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at"]
        permissions = [
            ("publish_article", "Can publish articles"),
            ("review_article", "Can approve articles as medical reviewer"),
        ]
        indexes = [
            # Covering: the topics' counts of published articles (every list page's
            # chips) read this index alone, not every article's wide row.
            models.Index(
                fields=["status", "publish_at"],
                include=["id", "updated"],
                name="education_article_published",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["translation_of", "language"], name="one_translation_per_language"
            ),
            models.CheckConstraint(
                condition=Q(translation_of__isnull=True) | ~Q(language=settings.LANGUAGE_CODE),
                name="originals_are_not_translations",
                violation_error_message="An English article is an original, not a translation.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Whatever the editor, an import or the shell sends, only safe HTML is stored.
        self.body = clean_article_html(self.body, library=existing_ids)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return in_its_language(self, "education:article_detail")

    def clean(self):
        if self.slug in self.RESERVED_SLUGS:
            raise ValidationError(
                {"slug": f'"{self.slug}" is already used by the site. Choose another.'}
            )
        self.clean_translation()

    def clean_translation(self):
        original = self.translation_of
        if original is not None:
            if self.language == settings.LANGUAGE_CODE:
                raise ValidationError(
                    {"translation_of": "An English article is an original: leave this empty."}
                )
            if original.language != settings.LANGUAGE_CODE or original.translation_of_id:
                raise ValidationError(
                    {"translation_of": "Choose the English original, not another translation."}
                )
        # Once on the site, an article keeps its language and original: its edits
        # are revisions, and these are not part of one.
        if self.pk and self.edits_wait_for_approval:
            stored = Article.objects.filter(pk=self.pk).values("language", "translation_of")
            before = stored.first() or {}
            changed = [
                field
                for field, now in (
                    ("language", self.language),
                    ("translation_of", self.translation_of_id),
                )
                if field in before and before[field] != now
            ]
            if changed:
                raise ValidationError(
                    {
                        field: "This cannot change once the article is published: "
                        "unpublish it first, or write a new article."
                        for field in changed
                    }
                )

    def published_translations(self):
        """[(language, slug)] of this article's published counterparts in the other
        languages; needs the article from ArticleQuerySet.with_translations()."""
        return [
            (code, slug)
            for code, _ in settings.LANGUAGES
            if code != self.language and (slug := getattr(self, slug_in(code), None))
        ]

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

    @cached_property
    def readability(self):
        """The reading measure of the article's language (see education.readability)."""
        return readability.measure(self.plain_text, self.language)

    def structured_data(self, url, home_url):
        """JSON-LD for search engines: a MedicalWebPage with its clinical review."""
        data = {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "name": self.title,
            "headline": self.title,
            "description": self.summary,
            "url": url,
            "inLanguage": LANGUAGE_TAGS.get(self.language, self.language),
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
