from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from education.models import Article, Topic


class StaticPagesSitemap(Sitemap):
    def items(self):
        return ["home", "education:article_list", "appointments:locations"]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    """Published articles; a scheduled one joins when its time comes."""

    def items(self):
        return Article.objects.published().only("slug", "updated").order_by("pk")

    def lastmod(self, article):
        return article.updated


class TopicSitemap(Sitemap):
    """Topics with published articles, last modified when their newest change was."""

    def items(self):
        return Topic.objects.with_published_articles().order_by("pk")

    def lastmod(self, topic):
        return topic.last_updated


sitemaps = {"static": StaticPagesSitemap, "articles": ArticleSitemap, "topics": TopicSitemap}
