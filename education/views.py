from django.conf import settings
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.generic import DetailView, ListView

from core.edge_cache import remember, seconds_to_keep
from core.roles import past_both_steps
from core.site import absolute_url
from education import search
from education.models import Article, EmergencyNotice, Topic, current_language

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
        language = current_language()
        articles = Article.objects.published().in_language(language)
        # Understood once: the page shows the corrections the results were found with.
        self.search = search.understand(self.query, articles, language)
        if not self.search.tokens:  # no search: the list every visitor sees alike
            return published_for_listing(language)
        return articles.search(self.search)

    def paginate_queryset(self, queryset, page_size):
        if not self.search.tokens:
            return super().paginate_queryset(queryset, page_size)
        # A search ranks its matches once, as their ids: the paginator counts those and
        # the page reads its ten by id. A count of the query would match every article's
        # document a second time, a quarter of a search's cost at 3,000 articles.
        ranked = list(queryset.values_list("pk", flat=True))
        paginator, page, ids, is_paginated = super().paginate_queryset(ranked, page_size)
        found = Article.objects.published().for_listing().in_bulk(ids)
        page.object_list = [found[pk] for pk in ids if pk in found]
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        language = current_language()
        kwargs.setdefault("topics", topics_with_articles(language))
        context = super().get_context_data(query=self.query, search=self.search, **kwargs)
        if not self.search.tokens:  # the cards of a page of the list, rendered once
            page = context["page_obj"]
            context["cards_html"] = kept(
                f"article-cards:{language}:{page.number}",
                lambda: render_to_string(
                    "education/_article_cards.html", {"articles": page.object_list}
                ),
            )
        return context


# What every visitor of a list page sees alike, kept in the cache per content version
# (core.edge_cache.remember) and no longer than the next scheduled change: a page the
# edge does not keep (a visitor with a session) then costs no query for it, but for
# the list's own page of articles and its count.


def may_preview(user):
    """Staff who may read drafts and working copies: with the permission, and past the
    whole sign-in (a second factor not yet set up shows nothing unpublished)."""
    return user.has_perm("education.view_article") and past_both_steps(user)


def kept(name, compute):
    return remember(name, compute, seconds=seconds_to_keep(), shared_only=True)


def with_addresses(items):
    """``items``, each with its address worked out (in_its_language), so that a copy
    kept in the cache carries it instead of reversing it on every read."""
    for item in items:
        item.get_absolute_url()
    return items


def published_for_listing(language):
    """The published articles in ``language``, newest first, as lists show them: a
    query, so a page of the list reads its ten and counts the rest in the database.
    Never kept: a kept QuerySet is pickled with every row it matches (the whole
    library, read back and unpickled on every request), and building it costs less."""
    return Article.objects.published().in_language(language).for_listing()


def topics_with_articles(language):
    """The topics in ``language`` with published articles, with how many."""
    return kept(
        f"topics-with-articles:{language}",
        lambda: with_addresses(list(Topic.objects.in_language(language).with_published_articles())),
    )


def featured_articles(language, limit=3):
    return kept(
        f"featured-articles:{language}",
        lambda: with_addresses(
            list(Article.objects.published().in_language(language).featured().for_listing()[:limit])
        ),
    )


class TopicDetailView(ListView):
    """The published articles of one topic, newest first.

    Template: ``education/topic_detail.html``; context: ``topic``, ``articles``,
    ``topics`` (for the chips).
    """

    template_name = "education/topic_detail.html"
    context_object_name = "articles"
    paginate_by = 10

    def get_queryset(self):
        # One query finds this topic, its translations and the chips: topics are few,
        # articles many. A topic is found only under its own language's address.
        self.topics = kept("topics-with-counts", lambda: list(Topic.objects.with_article_counts()))
        language = current_language()
        self.topic = next(
            (t for t in self.topics if t.slug == self.kwargs["slug"] and t.language == language),
            None,
        )
        if self.topic is None:
            raise Http404("No such topic.")
        return published_for_listing(language).filter(topics=self.topic)

    def get_context_data(self, **kwargs):
        topic = self.topic
        topics = [t for t in self.topics if t.article_count and t.language == topic.language]
        # The same topic in the other languages: the original and its translations.
        original = topic.translation_of_id or topic.pk
        translations = {
            t.language: t.get_absolute_url()
            for t in self.topics
            if t.language != topic.language
            and t.article_count
            and original in (t.pk, t.translation_of_id)
        }
        return super().get_context_data(
            topic=topic, topics=topics, **language_links(translations), **kwargs
        )


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
    page = None  # a patient's page data, kept in the cache (see get_object)

    def get_queryset(self):
        # An article is found only under its own language's address: a Spanish slug
        # under /articles/ or an English one under /es/articles/ is "not found", as
        # any address the site never gave out (the language link leads to the
        # translation itself).
        articles = (
            Article.objects.in_language()
            .select_related("reviewer", "author", "lead_image")
            .prefetch_related("topics")
            .with_translations()
        )
        if may_preview(self.request.user):
            return articles
        return articles.published()

    def get_object(self, queryset=None):
        if may_preview(self.request.user):
            return super().get_object(queryset)  # staff: drafts too, always read fresh
        # Patients: the published article and what its page shows, kept until content
        # changes (core.edge_cache.remember), so a page rendered for a visitor with a
        # session costs no query.
        slug, language = self.kwargs["slug"], current_language()
        self.page = kept(
            f"article-page:{language}:{slug}",
            lambda: published_article_page(self.get_queryset(), slug),
        )
        return self.page["article"]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if not self.object.is_live:
            # A preview must never be cached or indexed.
            response["X-Robots-Tag"] = "noindex"
            patch_cache_control(response, private=True, no_store=True)
        return response

    def get_context_data(self, **kwargs):
        article = self.object
        page = self.page or article_page(article)
        preview = kwargs.pop("preview", not article.is_live)
        context = super().get_context_data(
            related_articles=page["related"],
            preview=preview,
            **language_links(page["translations"]),
            canonical_url=page["canonical_url"],
            structured_data=page["structured_data"],
            cta_article=article,
            # Read only when the article's column is rendered, not when it is kept.
            emergency_notice=EmergencyNotice.current,
            show_sources=settings.ARTICLE_SOURCES_PUBLIC and bool(article.sources.strip()),
            **kwargs,
        )
        if not preview:
            # The article's column and related articles are the same for every patient:
            # rendered once per content version (measured: most of the page's cost).
            # A preview (a draft, a working copy) is rendered afresh and never kept.
            context["article_column"] = remember(
                f"article-column:{article.language}:{article.slug}",
                lambda: render_to_string("education/_article_column.html", context, self.request),
                seconds=seconds_to_keep(),
            )
        return context


def published_article_page(articles, slug):
    """The page data of the published article ``slug`` among ``articles``; 404 (and
    nothing kept) if there is none."""
    article = articles.filter(slug=slug).first()
    if article is None:
        raise Http404("No such article.")
    return article_page(article)


def article_page(article):
    """What an article's page shows besides the article: related articles, its
    published translations, canonical address and structured data. Everything is
    worked out here, so a kept copy is used as it is (reading time included)."""
    translations = {}
    for language, slug in article.published_translations():
        with translation.override(language):
            translations[language] = reverse("education:article_detail", args=[slug])
    canonical_url = absolute_url(article.get_absolute_url())
    article.reading_minutes  # noqa: B018 (worked out now, kept with the article)
    related = with_addresses(list(Article.objects.published().related_to(article)))
    with_addresses(article.topics.all())
    return {
        "article": article,
        "related": related,
        "translations": translations,
        "canonical_url": canonical_url,
        "structured_data": article.structured_data(canonical_url, absolute_url("/")),
    }


def language_links(translations):
    """The page's language links and hreflang alternates, given {language: path} of
    its published translations: ``translations`` for the alternates (this page and
    those only), and ``other_languages`` for the header's link to each other
    language, leading to the translation or, without one, to that language's
    article list."""
    current = current_language()
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        if code in translations:
            url = translations[code]
        else:
            with translation.override(code):
                url = reverse("education:article_list")
        links.append({"code": code, "name": name, "url": url})
    alternates = [{"code": code, "url": url} for code, url in translations.items()]
    return {"other_languages": links, "translations": alternates}


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
        if not may_preview(request.user):
            raise Http404("No such article.")
        response = super().get(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        patch_cache_control(response, private=True, no_store=True)
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=True, preview_revision=self.revision, **kwargs)
