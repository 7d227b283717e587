import hashlib

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from core.edge_cache import remember

register = template.Library()


@register.simple_tag(takes_context=True)
def site_footer(context):
    """{% site_footer %}: includes/_footer.html (the clinic, its locations, the
    disclaimer), rendered once per language and content version and kept (see
    core.edge_cache.remember): the same on every page, it changes only with them."""
    clinic = f"{settings.CLINIC_NAME}\n{settings.CLINIC_PHONE}".encode()
    name = f"footer:{get_language()}:{hashlib.sha256(clinic).hexdigest()[:16]}"
    template_ = context.template.engine.get_template("includes/_footer.html")
    return mark_safe(remember(name, lambda: template_.render(context)))  # noqa: S308 (a template's output)
