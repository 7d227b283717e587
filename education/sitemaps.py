"""Patient education's own sitemaps; the project puts the site's together (clinic/sitemaps.py)."""

from core.site import SiteSitemap
from education.models import Article, Topic


class ArticleSitemap(SiteSitemap):
    """Published articles; a scheduled one joins when its time comes."""

    def items(self):
        return Article.objects.published().only("slug", "updated").order_by("pk")

    def lastmod(self, article):
        return article.updated


class TopicSitemap(SiteSitemap):
    """Topics with published articles, last modified when their newest change was."""

    def items(self):
        return Topic.objects.with_published_articles().order_by("pk")

    def lastmod(self, topic):
        return topic.last_updated
