from django.apps import AppConfig


class ClinicConfig(AppConfig):
    """The project package as an app: site-wide pages, roles and management commands."""

    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from appointments.models import Location
        from clinic.page_cache import content_changed
        from education.models import Article, Clinician, Topic

        # Whatever patients see on cached pages: a change makes every cached page stale.
        for model in (Article, Topic, Clinician, Location):
            post_save.connect(content_changed, sender=model, dispatch_uid=f"pages-{model}")
            post_delete.connect(content_changed, sender=model, dispatch_uid=f"pages-d-{model}")
        m2m_changed.connect(
            content_changed, sender=Article.topics.through, dispatch_uid="pages-topics"
        )
