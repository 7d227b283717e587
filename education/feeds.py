from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy

from education.models import Article


class LatestArticlesFeed(Feed):
    title = settings.CLINIC_NAME + ": patient education"
    link = reverse_lazy("education:article_list")
    description = "New and updated articles about pain and its treatment."

    def items(self):
        return Article.objects.published()[:20]

    def item_description(self, item):
        return item.summary
