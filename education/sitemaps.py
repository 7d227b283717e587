"""Patient education's own sitemaps; the project puts the site's together (clinic/sitemaps.py).

Articles and topics are each in one language, at their own address (English at
/articles/, Spanish under /es/articles/); each names its published translations as
hreflang alternates, with the English original as x-default.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.site import SiteSitemap
from education.models import Article, Topic


class TranslatedSitemap(SiteSitemap):
    """Items that each live in one language, with their translations as alternates:
    subclasses give ``translations(item)``, {language: path} including the item's own."""

    def location(self, item):
        return item.get_absolute_url()

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page, site, protocol)
        base = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        for url in urls:
            paths = self.translations(url["item"])
            if len(paths) < 2:
                continue
            url["alternates"] = [
                {"lang_code": code, "location": base + paths[code]}
                for code, _ in settings.LANGUAGES
                if code in paths
            ]
            if settings.LANGUAGE_CODE in paths:
                url["alternates"].append(
                    {"lang_code": "x-default", "location": base + paths[settings.LANGUAGE_CODE]}
                )
        return urls


class ArticleSitemap(TranslatedSitemap):
    """Published articles in every language; a scheduled one joins when its time comes."""

    def items(self):
        return (
            Article.objects.published()
            .with_translations()
            .only("slug", "updated", "language")
            .order_by("pk")
        )

    def lastmod(self, article):
        return article.updated

    def translations(self, article):
        paths = {article.language: article.get_absolute_url()}
        for code, slug in article.published_translations():
            with translation.override(code):
                paths[code] = reverse("education:article_detail", args=[slug])
        return paths


class TopicSitemap(TranslatedSitemap):
    """Topics with published articles, last modified when their newest change was."""

    def items(self):
        topics = list(Topic.objects.with_published_articles().order_by("pk"))
        # Topics are few: their translations are found among them, without a query.
        by_original = {}
        for topic in topics:
            by_original.setdefault(topic.translation_of_id or topic.pk, []).append(topic)
        for topic in topics:
            topic.family = by_original[topic.translation_of_id or topic.pk]
        return topics

    def lastmod(self, topic):
        return topic.last_updated

    def translations(self, topic):
        return {member.language: member.get_absolute_url() for member in topic.family}
