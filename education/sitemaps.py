from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from education.models import Article


class StaticPagesSitemap(Sitemap):
    def items(self):
        return ["home", "education:article_list", "appointments:locations"]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    def items(self):
        return Article.objects.published()

    def lastmod(self, article):
        return article.updated


sitemaps = {"static": StaticPagesSitemap, "articles": ArticleSitemap}
