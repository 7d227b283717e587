"""The client's address, honouring X-Forwarded-For only from trusted proxies."""

from django.conf import settings


def client_ip(request):
    """Return the address of the client that sent this request.

    Each trusted proxy appends the address it saw to X-Forwarded-For, so with N
    trusted proxies the client is the N-th entry from the right. Anything further
    left was written by the client and could be forged, so it is never used.
    With no trusted proxy the header is ignored entirely.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]
