"""Patient education in the admin: articles and their sign-off, the image library,
topics, clinicians and the emergency notice."""

from education.admin import articles, images, library  # noqa: F401 (registers them)
