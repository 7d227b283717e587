"""What articles and topics share about languages: each row is in one language, a
translation names its English original, and addresses carry the language prefix."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation


def current_language():
    """The language of the page being made (its address's), else the site's default."""
    return translation.get_language() or settings.LANGUAGE_CODE


def in_its_language(instance, url_name):
    """``instance``'s address under its own language's prefix (English unprefixed).
    Worked out once per instance, slug and language: lists keep their articles and
    topics between requests (education.views.kept), and a list page asks for dozens."""
    key = (url_name, instance.language, instance.slug)
    known = instance.__dict__.setdefault("_addresses", {})
    if key not in known:
        with translation.override(instance.language):
            known[key] = reverse(url_name, kwargs={"slug": instance.slug})
    return known[key]


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


# The article's language as JSON-LD names it: the clinic's patients are in the US.
LANGUAGE_TAGS = {"en": "en-US", "es": "es-US"}
