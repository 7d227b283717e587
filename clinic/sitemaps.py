"""The site's sitemap: the project's own pages plus each app's."""

from django.urls import reverse

from core.site import SiteSitemap
from education.sitemaps import ArticleSitemap, TopicSitemap


class StaticPagesSitemap(SiteSitemap):
    """Pages that are always there: the home page, the article list, the locations;
    each in every language (/, /es/), naming the others as its alternates."""

    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["home", "education:article_list", "appointments:locations"]

    def location(self, item):
        return reverse(item)


sitemaps = {"static": StaticPagesSitemap, "articles": ArticleSitemap, "topics": TopicSitemap}
