"""How articles are found: published or scheduled, per language, for lists, search,
related reading, translations and the review calendar."""

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from education import search
from education.models.languages import TranslatableQuerySet, current_language
from education.models.publishing import Status, review_due_before
from education.revisions import Revision


class ArticleQuerySet(TranslatableQuerySet):
    def published(self):
        """Published articles whose publication time has come (no cron needed)."""
        return self.filter(status=Status.PUBLISHED, publish_at__lte=timezone.now())

    def scheduled(self):
        """Set to publish but waiting for their time, soonest first."""
        return self.filter(status=Status.PUBLISHED, publish_at__gt=timezone.now()).order_by(
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
            found = self.model.objects.published().filter(same_original, language=code)
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
        # As Revision.writers(): their own revisions, and earlier words of theirs
        # that someone restored.
        written_by_user = Revision.objects.filter(
            Q(created_by=user) | Q(restored_writers=user),
            article=OuterRef("pk"),
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
