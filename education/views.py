from django.conf import settings
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.views.generic import DetailView, ListView

from core.site import absolute_url
from education import search
from education.models import Article, EmergencyNotice, Topic

# Long enough for any real question, short enough to keep the query cheap.
MAX_QUERY_LENGTH = 100


class ArticleListView(ListView):
    """Published articles, newest first, or the best matches for ``?q=``.

    Template: ``education/article_list.html``; context: ``articles`` (one page),
    ``topics`` (those with published articles, for the chips), ``query``, and
    ``search`` (the search as understood: its ``corrected`` words and, when nothing
    is found, ``did_you_mean``; see education.search).
    """

    template_name = "education/article_list.html"
    context_object_name = "articles"
    paginate_by = 10

    def get_queryset(self):
        # Printable characters only: PostgreSQL refuses NUL, and nobody types controls.
        typed = "".join(c if c.isprintable() else " " for c in self.request.GET.get("q", ""))
        self.query = " ".join(typed.split())[:MAX_QUERY_LENGTH]
        articles = Article.objects.published()
        # Understood once: the page shows the corrections the results were found with.
        self.search = search.understand(self.query, articles)
        return articles.search(self.search).for_listing()

    def get_context_data(self, **kwargs):
        kwargs.setdefault("topics", Topic.objects.with_published_articles())
        return super().get_context_data(query=self.query, search=self.search, **kwargs)


class TopicDetailView(ListView):
    """The published articles of one topic, newest first.

    Template: ``education/topic_detail.html``; context: ``topic``, ``articles``,
    ``topics`` (for the chips).
    """

    template_name = "education/topic_detail.html"
    context_object_name = "articles"
    paginate_by = 10

    def get_queryset(self):
        # One query finds this topic and the chips: topics are few, articles many.
        self.topics = list(Topic.objects.with_article_counts())
        self.topic = next((t for t in self.topics if t.slug == self.kwargs["slug"]), None)
        if self.topic is None:
            raise Http404("No such topic.")
        return Article.objects.published().filter(topics=self.topic).for_listing()

    def get_context_data(self, **kwargs):
        topics = [topic for topic in self.topics if topic.article_count]
        return super().get_context_data(topic=self.topic, topics=topics, **kwargs)


class ArticleDetailView(DetailView):
    """One article. Drafts and scheduled articles are 404 to the public; staff who
    may see articles get them with a "Draft preview" banner (admin's View on site).

    Template: ``education/article_detail.html``; context: ``article``,
    ``related_articles``, ``preview``, ``canonical_url``, ``structured_data``,
    ``cta_article`` (the header's Request Appointment button carries the slug),
    ``emergency_notice`` (the clinic's callout) and ``show_sources``.
    """

    template_name = "education/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        articles = Article.objects.select_related(
            "reviewer", "author", "lead_image"
        ).prefetch_related("topics")
        if self.request.user.has_perm("education.view_article"):
            return articles
        return articles.published()

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not self.object.is_live:
            # A preview must never be cached or indexed.
            response["X-Robots-Tag"] = "noindex"
            patch_cache_control(response, private=True, no_store=True)
        return response

    def get_context_data(self, **kwargs):
        article = self.object
        canonical_url = absolute_url(article.get_absolute_url())
        preview = kwargs.pop("preview", not article.is_live)
        return super().get_context_data(
            related_articles=Article.objects.published().related_to(article),
            preview=preview,
            canonical_url=canonical_url,
            structured_data=article.structured_data(canonical_url, absolute_url("/")),
            cta_article=article,
            emergency_notice=EmergencyNotice.current(),
            show_sources=settings.ARTICLE_SOURCES_PUBLIC and bool(article.sources.strip()),
            **kwargs,
        )


class RevisionPreview(ArticleDetailView):
    """One revision on the real article page, for staff (the admin's Preview): the
    working copy before anyone approves or publishes it. Never cached or indexed."""

    revision = None

    def get_object(self, queryset=None):
        revision = self.revision
        article = Article.objects.select_related("live_revision").get(pk=revision.article_id)
        article.apply_content(revision.content)
        # The byline this revision would carry: its own sign-off, if it has one yet.
        article.reviewer_id = revision.reviewer_id
        article.reviewed_on = revision.signed_off_on
        topics = Topic.objects.filter(pk__in=article.working_topic_ids)
        article._prefetched_objects_cache = {"topics": topics}
        return article

    def get(self, request, *args, **kwargs):
        if not request.user.has_perm("education.view_article"):
            raise Http404("No such article.")
        response = super().get(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        patch_cache_control(response, private=True, no_store=True)
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=True, preview_revision=self.revision, **kwargs)
