import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext, gettext_noop
from django_prose_editor.fields import ProseEditorField
from simple_history.models import HistoricalRecords

from core.page_cache import remember
from education import readability, search
from education.images import Image, existing_ids
from education.revisions import CONTENT_FIELDS, FIRST_REVISION_NOTE, Revision, snapshot
from education.sanitize import ARTICLE_EDITOR_EXTENSIONS, clean_article_html


def current_language():
    """The language of the page being made (its address's), else the site's default."""
    return translation.get_language() or settings.LANGUAGE_CODE


def in_its_language(instance, url_name):
    """``instance``'s address under its own language's prefix (English unprefixed)."""
    with translation.override(instance.language):
        return reverse(url_name, kwargs={"slug": instance.slug})


class TranslatableQuerySet(models.QuerySet):
    def in_language(self, language=None):
        """Rows written in ``language``, by default the current page's."""
        return self.filter(language=language or current_language())


def language_field():
    return models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text="The language patients read it in. Spanish is served under /es/. "
        "Set when it is created; it does not change afterwards.",
    )


def translation_of_field(model_name):
    return models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        limit_choices_to={"language": settings.LANGUAGE_CODE, "translation_of": None},
        help_text=f"For a translation: the English {model_name} it translates. Leave "
        "empty for an English original. Each original has at most one translation per "
        "language.",
    )


class TopicQuerySet(TranslatableQuerySet):
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
    # A Spanish topic is a topic of its own (name, address, description), so Spanish
    # articles, chips and topic pages need nothing but a language filter.
    language = language_field()
    translation_of = translation_of_field("topic")

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["translation_of", "language"], name="one_topic_translation_per_language"
            )
        ]

    def __str__(self):
        # Staff pick topics for articles of every language from one list.
        if self.language != settings.LANGUAGE_CODE:
            return f"{self.name} ({self.get_language_display()})"
        return self.name

    def get_absolute_url(self):
        return in_its_language(self, "education:topic_detail")


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


class ArticleQuerySet(TranslatableQuerySet):
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

    def search(self, terms, language=None):
        """Articles matching what a patient typed in ``language`` (by default the
        current page's), best match first (see education.search)."""
        return search.matching(self, terms, language or current_language())

    def with_translations(self):
        """Each article with the slug of its published counterpart in every language
        (``slug_in_<code>``: the original, or its translation), in the same query."""
        counterparts = {}
        for code, _ in settings.LANGUAGES:
            same_original = (
                Q(pk=OuterRef("translation_of"))
                | Q(translation_of=OuterRef("pk"))
                | Q(translation_of=OuterRef("translation_of"))
            )
            found = Article.objects.published().filter(same_original, language=code)
            counterparts[slug_in(code)] = Subquery(found.values("slug")[:1])
        return self.annotate(**counterparts)

    def related_to(self, article, limit=3):
        """Other articles sharing the most topics with ``article``, newest first among
        equals. Pass an article whose topics are already loaded to save a query."""
        topic_ids = [topic.pk for topic in article.topics.all()]
        return (
            self.exclude(pk=article.pk)
            .filter(topics__in=topic_ids, language=article.language)
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


def slug_in(language):
    """The name of with_translations()'s annotation for ``language``."""
    return "slug_in_" + language.replace("-", "_")


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


# The article's language as JSON-LD names it: the clinic's patients are in the US.
LANGUAGE_TAGS = {"en": "en-US", "es": "es-US"}


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

    # The built-in wording is in the catalogue: Spanish pages show its Spanish. A
    # clinic's own wording shows as typed (or as the catalogue has it, if added there).
    DEFAULT_HEADING = gettext_noop("When to get help right away")
    DEFAULT_TEXT = "\n".join(
        (
            gettext_noop(
                "Call 911 or go to the emergency room if back or neck pain comes with loss of "
                "bladder or bowel control, numbness in the groin or inner thighs, or new "
                "weakness in a leg or arm."
            ),
            gettext_noop("Thinking of harming yourself? Call or text 988."),
        )
    )
    DEFAULT_LINK_TEXT = gettext_noop("All the warning signs, and when to call us")

    heading = models.CharField(max_length=100, default=DEFAULT_HEADING)
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
    link_text = models.CharField(max_length=100, default=DEFAULT_LINK_TEXT)
    updated = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated"])

    class Meta:
        verbose_name = "emergency notice"

    def __str__(self):
        return self.heading

    @classmethod
    def current(cls):
        """The notice to show in the page's language, as a dict kept in the shared
        cache until content changes: the clinic's own, or the built-in wording if
        there is none."""
        language = current_language()
        name = "emergency-notice"
        if language != settings.LANGUAGE_CODE:
            name += f":{language}"
        return remember(name, lambda: cls.compute_current(language))

    @classmethod
    def compute_current(cls, language=None):
        """The notice in ``language``: its wording through the catalogue, its link to
        the linked article's published translation (none if there is none)."""
        language = language or settings.LANGUAGE_CODE
        notice = cls.objects.select_related("article").first() or cls()
        linked = notice.article if notice.article and notice.article.is_live else None
        if linked and linked.language != language:
            linked = Article.objects.published().filter(translation_of=linked, language=language)
            linked = linked.only("slug", "language").first()
        with translation.override(language):
            return {
                "heading": gettext(notice.heading),
                "paragraphs": [gettext(line) for line in notice.text.splitlines() if line.strip()],
                "url": linked.get_absolute_url() if linked else "",
                "link_text": gettext(notice.link_text),
            }
