from django.conf import settings
from django.db import models
from django.db.models import Count, Max, Q
from django.utils import timezone

from core.history import kept_history
from core.text import single_line
from education.models.languages import (
    TranslatableQuerySet,
    in_its_language,
    language_field,
    translation_of_field,
)
from education.models.publishing import Status


class TopicQuerySet(TranslatableQuerySet):
    def with_article_counts(self):
        """Every topic, with how many published articles it has and when the last one
        changed (``article_count``, ``last_updated``)."""
        now = timezone.now()
        published = Q(articles__status=Status.PUBLISHED, articles__publish_at__lte=now)
        return self.annotate(
            article_count=Count("articles", filter=published),
            last_updated=Max("articles__updated", filter=published),
        )

    def with_published_articles(self):
        """Topics that have at least one published article, with how many."""
        return self.with_article_counts().filter(article_count__gt=0)


class Topic(models.Model):
    name = models.CharField(max_length=100, unique=True, validators=[single_line])
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(
        blank=True, help_text="One or two plain sentences shown on the topic page."
    )
    # A Spanish topic is a topic of its own (name, address, description), so Spanish
    # articles, chips and topic pages need nothing but a language filter.
    language = language_field()
    translation_of = translation_of_field("topic")

    objects = TopicQuerySet.as_manager()
    # Who changed a name or description patients read (medical reviewers only).
    history = kept_history()

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
