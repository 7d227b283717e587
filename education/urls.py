from django.urls import path

from core.edge_cache import cache_public_page
from education import views
from education.feeds import LatestArticlesFeed

app_name = "education"

urlpatterns = [
    path("", cache_public_page(views.ArticleListView.as_view(), paged=True), name="article_list"),
    path("feed/", cache_public_page(LatestArticlesFeed()), name="feed"),
    path(
        "topics/<slug:slug>/",
        cache_public_page(views.TopicDetailView.as_view(), paged=True),
        name="topic_detail",
    ),
    path(
        "<slug:slug>/", cache_public_page(views.ArticleDetailView.as_view()), name="article_detail"
    ),
]
