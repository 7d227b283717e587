from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Enclosure
from django.utils.translation import gettext

from core.site import absolute_url
from education.images import FORMATS
from education.models import Article


class LatestArticlesFeed(Feed):
    """RSS of the 20 newest published articles in the address's language (English at
    /articles/feed/, Spanish at /es/articles/feed/); scheduled ones appear when due."""

    def title(self):
        return gettext("%(name)s: patient education") % {"name": settings.CLINIC_NAME}

    # Absolute already, so the syndication framework leaves them as they are instead
    # of prefixing the host the request named.
    def link(self):
        return absolute_url(reverse("education:article_list"))

    def description(self):
        return gettext("New and updated articles about pain and its treatment.")

    def feed_url(self):
        return absolute_url(reverse("education:feed"))

    def item_link(self, article):
        return absolute_url(article.get_absolute_url())

    def items(self):
        return (
            Article.objects.published()
            .in_language()
            .select_related("author", "lead_image")
            .prefetch_related("topics")
            .defer("body")[:20]
        )

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return article.summary

    def item_pubdate(self, article):
        return article.publish_at

    def item_updateddate(self, article):
        return article.updated

    def item_categories(self, article):
        return [topic.name for topic in article.topics.all()]

    # The lead image, as an RSS enclosure: an 800-pixel rendition in the original format
    # (what every feed reader shows), from SITE_URL. The length is the stored file's.
    def item_enclosures(self, article):
        image = article.lead_image
        rendition = image.rendition(800) if image else None
        if rendition is None:
            return []
        return [
            Enclosure(
                image.public_url(800),
                str(rendition.get("bytes", 0)),
                FORMATS[rendition["format"]][1],
            )
        ]

    def item_author_name(self, article):
        return article.author.display_name if article.author else None
