from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor as an app, for its one model: the outbox of emails."""

    name = "core"
    verbose_name = "Emails"
