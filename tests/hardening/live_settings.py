"""Settings of the real app servers that tests/hardening/test_abuse.py starts.

The production settings (clinic/settings.py, everything from the environment), except
that static files are served unhashed, so no collectstatic is needed first.
"""

from clinic.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
