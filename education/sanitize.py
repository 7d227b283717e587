"""What article HTML may contain, for the editor and for the server-side cleaner."""

import nh3

# The editor offers only what articles need (django-prose-editor extension names).
ARTICLE_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    "HardBreak": True,
}

ALLOWED_TAGS = {"h2", "h3", "p", "br", "ul", "ol", "li", "strong", "em", "blockquote", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    # Dropped with their content, not unwrapped: their text is never article prose.
    clean_content_tags={"script", "style", "iframe", "svg", "math", "object", "embed", "template"},
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    # Links leave the page without handing it to the other site.
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def clean_article_html(html):
    """Return article HTML reduced to the allowed tags, attributes and link schemes."""
    if not html:
        return ""
    cleaned = _cleaner.clean(html).strip()
    # The editor sends "<p></p>" for an empty document.
    return "" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned
