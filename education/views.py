from django.views.generic import DetailView, ListView

from education.models import Article, Topic


class ArticleListView(ListView):
    template_name = "education/article_list.html"
    paginate_by = 10

    def get_queryset(self):
        return Article.objects.published().for_listing()


class TopicDetailView(DetailView):
    model = Topic
    template_name = "education/topic_detail.html"


class ArticleDetailView(DetailView):
    template_name = "education/article_detail.html"

    def get_queryset(self):
        return Article.objects.published()
