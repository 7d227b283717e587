"""{% keep %}: a piece of a page rendered once per process, language and content
version, and again after any content change (issue 16)."""

import pytest
from django.template import Context, Template
from django.utils import translation

from core import page_cache
from tests.core.test_fragments import pages_cache  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

TEMPLATE = Template('{% load kept %}{% keep "piece" topic %}{{ text }}{% endkeep %}')


def render(text, topic=1):
    return TEMPLATE.render(Context({"text": text, "topic": topic}))


def test_kept_once_per_version_with_a_shared_version(pages_cache):  # noqa: F811
    first = render("first")
    again = render("second")

    assert first == "first"
    # Redis shares the version between processes: the piece is kept. The local-memory
    # cache cannot, so every render is fresh.
    assert again == ("first" if pages_cache == "redis" else "second")


def test_a_content_change_renders_it_again(pages_cache):  # noqa: F811
    render("before")

    page_cache.content_changed()

    assert render("after") == "after"


def test_each_value_and_language_has_its_own_copy(pages_cache):  # noqa: F811
    assert render("topic one", topic=1) == "topic one"
    assert render("topic two", topic=2) == "topic two"
    with translation.override("es"):
        assert render("en español", topic=1) == "en español"


def test_a_keep_needs_a_name():
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="needs a name"):
        Template("{% load kept %}{% keep %}x{% endkeep %}")
