"""Writing the access record (core.models.AccessRecord): who looked at which requests.

Called by the pages that show patients' details (the request admin's pages, the
export, the outbox's email page). Only references and ids are stored.
"""

from ipaddress import ip_address

from core.client_ip import client_ip
from core.models import AccessRecord

Action = AccessRecord.Action


def record_access(request, action, references, detail="", count=None):
    """One row for this request's user; `references` is any iterable of references.
    `count`: how many requests, when they are described by `detail` rather than each
    named (an export of many requests: appointments/export.py)."""
    references = [str(reference) for reference in references if reference]
    if not references and not detail:
        return None  # an empty page or list showed nobody
    return AccessRecord.objects.create(
        user=request.user,
        username=request.user.get_username(),
        action=action,
        references=f" {' '.join(references)} " if references else "",
        count=len(references) if count is None else count,
        detail=detail,
        client_ip=valid_address(client_ip(request)),
    )


def valid_address(value):
    try:
        return str(ip_address(value))
    except ValueError:
        return None
