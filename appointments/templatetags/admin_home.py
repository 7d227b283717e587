from django import template

from appointments.admin.home import home_summary as summary_for

register = template.Library()


@register.simple_tag(takes_context=True)
def home_summary(context):
    """{% home_summary as summary %}: what the admin's home page shows this user first."""
    return summary_for(context["request"])
