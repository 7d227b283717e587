from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "education"
    verbose_name = "Patient education"

    def ready(self):
        from django.db.models.signals import post_save

        from core import edge_cache
        from education.models import Article, Clinician, EmergencyNotice, Topic

        # Articles, topics, clinicians' bylines and the emergency notice are on the
        # pages the edge keeps; an article or topic no longer listed is purged too.
        edge_cache.purge_when_changed(
            Article,
            Topic,
            paths=lambda instance: [instance.get_absolute_url()],
        )
        edge_cache.purge_when_changed(
            Clinician, EmergencyNotice, m2m_through=[Article.topics.through]
        )
        edge_cache.public_pages(public_paths)
        edge_cache.schedule_changes("education.articles", Article.objects.next_publication)
        post_save.connect(
            purge_when_due, sender=Article, dispatch_uid="edge-article-due", weak=False
        )

        # The search's word list follows the articles (education.search.refresh_words).
        from django.db.models.signals import post_delete

        from education.search import queue_refresh

        post_save.connect(queue_refresh, sender=Article, dispatch_uid="search-words-saved")
        post_delete.connect(queue_refresh, sender=Article, dispatch_uid="search-words-deleted")

        # Every site has its emergency notice, even after a flush (which ends with the
        # same signal and would otherwise leave the article pages without one).
        from django.db.models.signals import post_migrate

        from education.models.notice import ensure_emergency_notice

        post_migrate.connect(ensure_emergency_notice, sender=self)


def purge_when_due(sender, instance, **kwargs):
    """A scheduled article appears at its time: purge the pages then."""
    if instance.is_scheduled:
        from core import edge_cache

        edge_cache.purge_at(instance.publish_at)


def public_paths():
    """Every page of patient education the edge may keep, in each language: the lists
    (each page of them, and one past the last), the feeds, the topics and articles."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from education.models import Article, Topic
    from education.views import ArticleListView, TopicDetailView

    def pages(path, count, per_page):
        return [path] + [f"{path}?page={n}" for n in range(2, count // per_page + 3)]

    paths = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            published = Article.objects.published().in_language(language)
            listing = reverse("education:article_list")
            paths += pages(listing, published.count(), ArticleListView.paginate_by)
            paths.append(reverse("education:feed"))
    for article in Article.objects.published().only("slug", "language"):
        paths.append(article.get_absolute_url())
    for topic in Topic.objects.with_published_articles():
        paths += pages(topic.get_absolute_url(), topic.article_count, TopicDetailView.paginate_by)
    return paths
