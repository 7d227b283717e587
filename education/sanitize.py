"""What article HTML may contain, for the editor and for the server-side cleaner.

Pictures come only from the image library (education/images.py): an
``<img data-image-id="N">`` becomes the marker paragraph ``<p>[image N]</p>`` (what the
editor keeps and clinicians type), every other <img> is dropped, and, when the caller
passes ``library`` (Article.save does), so is a marker naming no library image.
"""

import re

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

ALLOWED_TAGS = {"h2", "h3", "p", "br", "ul", "ol", "li", "strong", "em", "blockquote", "a", "img"}
# An <img> keeps only the library id: no src, so nothing is loaded from anywhere else.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"data-image-id"}}
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


_IMG = re.compile(r"<img(?: data-image-id=\"([^\"]*)\")?>")
_MARKER = re.compile(r"<p>\s*\[image (\d{1,9})\]\s*</p>")


def _library_images(html, library):
    """Library <img> elements as marker paragraphs, others gone; with `library` (ids ->
    the ids that are library images), markers naming anything else gone too."""

    def as_marker(match):
        image_id = match.group(1) or ""
        if image_id.isdecimal() and len(image_id) <= 9:
            return f"</p><p>[image {int(image_id)}]</p><p>"
        return ""

    # Parsed again, so a marker taken out of a paragraph closes and reopens it properly;
    # the empty paragraphs that leaves around the marker go.
    html = _cleaner.clean(_IMG.sub(as_marker, html))
    html = re.sub(r"<p>\s*</p>", "", html)
    if library is not None:
        known = library({int(n) for n in _MARKER.findall(html)})
        html = _MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in known else "", html)
    return html


def clean_article_html(html, library=None):
    """Return article HTML reduced to the allowed tags, attributes and link schemes,
    pictures only from the image library (see above)."""
    if not html:
        return ""
    cleaned = _cleaner.clean(html)
    if "<img" in cleaned or (library is not None and "[image " in cleaned):
        cleaned = _library_images(cleaned, library)
    cleaned = cleaned.strip()
    # The editor sends "<p></p>" for an empty document.
    return "" if cleaned in {"<p></p>", "<p><br></p>"} else cleaned
