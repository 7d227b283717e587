import logging
from urllib.parse import urlsplit

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from appointments.abuse import FormStamp
from appointments.forms import AppointmentRequestForm, published_article
from appointments.models import Location
from appointments.notifications import queue_notifications, response_days
from core.client_ip import client_ip
from core.edge_cache import remember

logger = logging.getLogger(__name__)

# The reference of the patient's last request travels to the received page in a
# signed cookie (never in the URL). Not in a session: a session is a database write
# and a second commit for every request sent, and the edge (nginx) passes every page
# of a visitor with a session to the app for as long as it lasts. The cookie is the
# whole site's: the received page in each language reads it (each links to the other).
RECEIVED_COOKIE = "request_received"
RECEIVED_SALT = "appointments.received"
# Long enough to come back to the page the same day; the email holds the reference too.
RECEIVED_SECONDS = 24 * 60 * 60


@require_safe
def location_list(request):
    """Active locations with address, phone, directions, hours and whether each is open
    now (the edge keeps it no longer than the next opening or closing).

    Template: ``appointments/location_list.html``; context: ``locations``, a list of
    (location, open now) pairs.
    """
    locations = Location.objects.active().prefetch_related("opening_hours", "closures")
    now = timezone.now()
    context = {"locations": [(location, location.is_open_at(now)) for location in locations]}
    return render(request, "appointments/location_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters()
@never_cache
def request_appointment(request):
    """The Request Appointment form; a valid POST saves the request, then redirects.

    Template: ``appointments/request_form.html``; context: ``form``, ``form_token``
    (the signed FormStamp) and ``article`` (the one the patient came from, if any).
    """
    if request.method == "POST":
        return submit_request(request)
    article = published_article(request.GET.get("article"))
    return show_form(request, None, FormStamp.issue(referring_path(request)), article)


def submit_request(request):
    """The form checks everything (fields, spam, repeats, the rate limit); the view
    saves and moves on."""
    form = AppointmentRequestForm(request.POST, client_address=client_ip(request))
    if not form.is_valid():
        if form.is_rate_limited:
            return rate_limited(request)
        return show_form(request, form, form.stamp, form.cleaned_data.get("article"))
    appointment_request = save_request(form)
    return show_received(request, appointment_request.reference)


def save_request(form):
    """The request, its emails and the task that sends them in one transaction, without a
    savepoint (one statement per row). The reference is random: should it clash with
    another's, the transaction is rolled back whole and tried again; should the
    form's token clash, a simultaneous double submit saved it first, and that is the
    request."""
    for _attempt in range(10):
        try:
            with transaction.atomic():
                appointment_request = form.save()
                if form.is_new_request:
                    # Stored with the request or not at all; the worker sends them.
                    queue_notifications(appointment_request)
        except IntegrityError:
            if form.settle_clash():
                return form.settled
            if not form.reference_taken():
                raise  # some other constraint: not ours to retry
            continue
        if form.is_new_request:
            logger.info("Appointment request %s received", appointment_request.reference)
        return appointment_request
    raise IntegrityError("no free appointment request reference after 10 tries")


def rate_limited(request):
    response = render(request, "appointments/rate_limited.html", status=429)
    response["Retry-After"] = str(settings.REQUEST_RATE_WINDOW_SECONDS)
    return response


def show_form(request, form, stamp, article):
    """``form``: the form as sent, or None for the empty form.

    The empty form is the same for every patient who came from the same article:
    crispy's rendering (most of the page's cost, measured) is kept in the cache until
    content (a location) changes, and the form is only built to render it. A sent form
    is rendered anew, with its answers and errors."""
    context = {"form": form, "form_token": stamp.signed, "article": article}
    if form is None:
        slug = article.slug if article else ""
        context["fields"] = remember(
            f"request-form:{get_language()}:{slug}",
            lambda: render_crispy_form(AppointmentRequestForm(initial={"article": slug})),
        )
    return render(request, "appointments/request_form.html", context)


def show_received(request, reference):
    """Post/redirect/get: the reference travels in a signed cookie, never in the URL."""
    response = redirect("appointments:received")  # in the language of the form
    response.set_signed_cookie(
        RECEIVED_COOKIE,
        reference,
        salt=RECEIVED_SALT,
        max_age=RECEIVED_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@require_safe
@never_cache
def request_received(request):
    """What happens next. Template: ``appointments/request_received.html``; context:
    ``reference`` and ``response_days``."""
    reference = request.get_signed_cookie(
        RECEIVED_COOKIE, default=None, salt=RECEIVED_SALT, max_age=RECEIVED_SECONDS
    )
    if not reference:
        return redirect("appointments:request")
    context = {"reference": reference, "response_days": response_days()}
    return render(request, "appointments/request_received.html", context)


def referring_path(request):
    """The path of the page on this site the patient came from ("" if another site)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.get_host():
        return ""
    return referer.path
