from django.apps import apps as global_apps
from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from core.edge_cache import remember
from core.history import kept_history
from core.text import single_line
from education.models.articles import Article
from education.models.languages import current_language


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

    heading = models.CharField(max_length=100, default=DEFAULT_HEADING, validators=[single_line])
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

    history = kept_history(excluded_fields=["updated"])

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


# The starter library's article on emergencies, which the notice links to.
EMERGENCY_ARTICLE_SLUG = "when-back-or-neck-pain-is-an-emergency"


def ensure_emergency_notice(sender, using, apps=global_apps, **kwargs):
    """post_migrate: the notice in its built-in wording when the site has none."""
    EmergencyNotice = apps.get_model("education", "EmergencyNotice")
    Article = apps.get_model("education", "Article")
    if not EmergencyNotice.objects.using(using).exists():
        article = Article.objects.using(using).filter(slug=EMERGENCY_ARTICLE_SLUG).first()
        EmergencyNotice.objects.using(using).create(article=article)
