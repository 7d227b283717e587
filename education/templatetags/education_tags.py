import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from education import images
from education.sanitize import clean_article_html

register = template.Library()

# As Django's json_script: with these escaped, no value can close the <script>
# element ("</script>") or open a comment inside it.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """Render data as a JSON-LD block. A data block, not a script: the page's
    Content-Security-Policy does not apply to it, so it needs no nonce."""
    text = json.dumps(data, cls=DjangoJSONEncoder).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.filter
def article_html(body):
    """An article body, cleaned again on the way out: rows written around save()
    (bulk loads, QuerySet.update) are safe too. nh3 takes microseconds."""
    return mark_safe(clean_article_html(body))  # noqa: S308


@register.filter
def split_after_intro(html):
    """(the first paragraph, the rest) of an article's cleaned HTML, so the page can
    put something between them: the emergency notice right after the introduction,
    within a phone's first screen. Everything before the first </p> is the intro."""
    intro, found, rest = html.partition("</p>")
    if not found:
        return ["", html]
    return [mark_safe(intro + found), mark_safe(rest)]  # noqa: S308 (already cleaned)


@register.filter
def with_library_images(html):
    """Cleaned article HTML with each ``[image N]`` marker paragraph replaced by the
    library image's <figure> (lazy: body images are below the first screen). One
    query, only if the body has a marker."""
    return mark_safe(images.render_body_images(html))  # noqa: S308 (cleaned, then our markup)


@register.simple_tag
def lead_picture(image, place="article"):
    """A lead image: eager on the article page (it is on the first screen), lazy on cards."""
    if not image:
        return ""
    if place == "card":
        return image.picture(images.SIZES_CARD, lazy=True, css_class="card-img-top")
    return image.figure(images.SIZES_ARTICLE, lazy=False)
