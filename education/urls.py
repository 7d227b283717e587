from django.urls import path

from education import views
from education.feeds import LatestArticlesFeed

app_name = "education"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="article_list"),
    path("feed/", LatestArticlesFeed(), name="feed"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic_detail"),
    path("<slug:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
]
