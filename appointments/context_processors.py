from appointments.models import Location


def footer_locations(request):
    # A callable: the template calls it only if it shows the footer (cached, see Location).
    return {"footer_locations": Location.for_footer}
