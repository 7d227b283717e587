import logging
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from appointments.forms import AppointmentRequestForm, FormStamp, published_article
from appointments.models import AppointmentRequest, Location
from appointments.notifications import response_days, send_notifications
from core.client_ip import client_ip

logger = logging.getLogger(__name__)

# The reference of the patient's last request, for the received page (never the URL).
SESSION_KEY = "appointments:reference"


@require_safe
def location_list(request):
    """Active locations with address, phone and hours.

    Template: ``appointments/location_list.html``.
    """
    return render(
        request, "appointments/location_list.html", {"locations": Location.objects.active()}
    )


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
    form = AppointmentRequestForm(initial={"article": article.slug if article else ""})
    return show_form(request, form, FormStamp.issue(referring_path(request)), article)


def submit_request(request):
    """Checks run cheapest and least surprising first; each one's reason is beside it."""
    # A filled honeypot is a bot: it sees the usual success page and nothing is kept.
    if request.POST.get("website", "").strip():
        return show_received(request, AppointmentRequest.new_reference())

    stamp = FormStamp.read(request.POST.get("form_token"))
    # A double click or back-and-resubmit: the first submission already saved it.
    if stamp and (earlier := AppointmentRequest.objects.filter(form_token=stamp.token).first()):
        return show_received(request, earlier.reference)

    form = AppointmentRequestForm(request.POST)
    form.is_valid()
    if stamp is None or stamp.age < settings.REQUEST_MIN_FILL_SECONDS:
        # No valid token (a forged or very old page), or sent faster than a person can
        # type: most likely a bot, but a person only has to press the button again.
        stamp = stamp or FormStamp.issue()
        form.add_error(None, "Please check your details below and press “Send request” again.")
    if form.errors:
        return show_form(request, form, stamp, form.cleaned_data.get("article"))

    if over_rate_limit(request):
        response = render(request, "appointments/rate_limited.html", status=429)
        response["Retry-After"] = str(settings.REQUEST_RATE_WINDOW_SECONDS)
        return response

    appointment_request = form.save(commit=False)
    appointment_request.form_token = stamp.token
    appointment_request.source_path = stamp.source_path
    try:
        with transaction.atomic():
            appointment_request.save()
            # Emails only once the request is safely committed; robust, so that not even
            # a failure there can turn the patient's success page into an error.
            transaction.on_commit(partial(send_notifications, appointment_request.pk), robust=True)
    except IntegrityError:
        # The same token was saved by a simultaneous submit (a double click).
        earlier = AppointmentRequest.objects.filter(form_token=stamp.token).first()
        if earlier is None:
            raise
        appointment_request = earlier
    logger.info("Appointment request %s received", appointment_request.reference)
    return show_received(request, appointment_request.reference)


def show_form(request, form, stamp, article):
    context = {"form": form, "form_token": stamp.signed, "article": article}
    return render(request, "appointments/request_form.html", context)


def show_received(request, reference):
    """Post/redirect/get: the reference travels in the session, never in the URL."""
    request.session[SESSION_KEY] = reference
    return redirect("appointments:received")


@require_safe
@never_cache
def request_received(request):
    """What happens next. Template: ``appointments/request_received.html``; context:
    ``reference`` and ``response_days``."""
    reference = request.session.get(SESSION_KEY)
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


def over_rate_limit(request):
    """Count a submission against this client's allowance; True once it is used up.

    The count lives in the shared cache (Redis in production), so it holds across
    every app process: cache.add starts a window, cache.incr counts atomically in it.
    The key is a keyed hash, so the cache holds no IP addresses. If the cache is
    down we let the request through: losing a patient is worse than some spam.
    """
    address = client_ip(request)
    key = (
        "appointments:rate:"
        + salted_hmac("appointments.rate", address, algorithm="sha256").hexdigest()
    )
    window = settings.REQUEST_RATE_WINDOW_SECONDS
    try:
        if cache.add(key, 1, timeout=window):
            return settings.REQUEST_RATE_LIMIT < 1
        try:
            count = cache.incr(key)
        except ValueError:  # the window ran out between add and incr: start a new one
            cache.add(key, 1, timeout=window)
            count = 1
    except Exception:
        logger.warning("Rate limit unavailable: the cache is not answering", exc_info=True)
        return False
    return count > settings.REQUEST_RATE_LIMIT
