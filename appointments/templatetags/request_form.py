from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def request_form_fields(context, form):
    """{% request_form_fields form %}: the Request Appointment form's fields, as
    ``{% crispy form %}`` renders them (see AppointmentRequestForm.rendered_fields)."""
    return form.rendered_fields(context)
