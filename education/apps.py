from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "education"
    verbose_name = "Patient education"

    def ready(self):
        from core import page_cache
        from education.models import Article, Clinician, EmergencyNotice, Topic

        # Articles, topics, clinicians' bylines and the emergency notice are on cached pages.
        page_cache.refresh_pages_when_changed(
            Article, Topic, Clinician, EmergencyNotice, m2m_through=[Article.topics.through]
        )
        page_cache.schedule_changes("education.articles", Article.objects.next_publication)

        # The search's word list follows the articles (education.search.refresh_words).
        from django.db.models.signals import post_delete, post_save

        from education.search import queue_refresh

        post_save.connect(queue_refresh, sender=Article, dispatch_uid="search-words-saved")
        post_delete.connect(queue_refresh, sender=Article, dispatch_uid="search-words-deleted")

        # Every site has its emergency notice, even after a flush (which ends with the
        # same signal and would otherwise leave the article pages without one).
        from django.db.models.signals import post_migrate

        from education.models.notice import ensure_emergency_notice

        post_migrate.connect(ensure_emergency_notice, sender=self)
