"""{% keep "name" value… %}…{% endkeep %}: a piece of a page rendered once per process,
language and content version (core.page_cache.remember), for markup every visitor
sees alike that is costly to render (a list of topics, say). Each value after the name
makes its own copy (the current topic, say); anything else the piece shows must be the
same for every request, or it would be shown to the wrong visitor."""

from django import template
from django.utils import translation

from core.page_cache import remember, seconds_to_keep

register = template.Library()


class KeepNode(template.Node):
    def __init__(self, nodelist, name, varies_by):
        self.nodelist, self.name, self.varies_by = nodelist, name, varies_by

    def render(self, context):
        parts = [self.name.resolve(context), translation.get_language() or ""]
        parts += [str(value.resolve(context)) for value in self.varies_by]
        return remember(
            "fragment:" + ":".join(parts),
            lambda: self.nodelist.render(context),
            seconds=seconds_to_keep(),
            shared=False,
        )


@register.tag
def keep(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError('{% keep %} needs a name: {% keep "topics" %}')
    nodelist = parser.parse(("endkeep",))
    parser.delete_first_token()
    return KeepNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]]
    )
