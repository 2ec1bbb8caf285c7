"""The letters and text messages of anonymised requests and erased applicants: read for an
export, scrubbed for retention and erasure (``cases.retention`` says what stays)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from stroydesk.accounts.models import ANONYMISED
from stroydesk.notifications.models import OutgoingMessage, SmsMessage


def _letters(request_ids: Iterable[int], emails: Iterable[str]) -> Q:
    about = Q(request_id__in=list(request_ids))
    for email in {e.lower() for e in emails if e}:
        # The recipients are a JSON list: the quoted address, so that «a@x.ru» is not «ba@x.ru».
        about |= Q(to__icontains=f'"{email}"')
    return about


def messages_of(
    *, request_ids: Iterable[int], emails: Iterable[str] = (), phones: Iterable[str] = ()
) -> dict[str, list[dict[str, Any]]]:
    """Every letter about these requests or to these addresses, and every text to these phones."""
    letters = OutgoingMessage.objects.filter(_letters(request_ids, emails)).order_by("id")
    texts = SmsMessage.objects.filter(phone__in=[p for p in phones if p]).order_by("id")
    return {
        "letters": [
            {
                "created_at": m.created_at.isoformat(),
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
                "to": list(m.to),
                "subject": m.subject,
                "body": m.body,
                "status": m.status,
            }
            for m in letters
        ],
        "text_messages": [
            {
                "created_at": m.created_at.isoformat(),
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
                "phone": m.phone,
                "text": m.text,
                "status": m.status,
            }
            for m in texts
        ],
    }


def messages_scrub(
    *, request_ids: Iterable[int], emails: Iterable[str] = (), phones: Iterable[str] = ()
) -> int:
    """Scrub the recipients and words of the letters about these requests or to these
    addresses, and of the texts to these phones; the rows stay (the sending log counts them).
    Returns how many were scrubbed."""
    letters = OutgoingMessage.objects.filter(_letters(request_ids, emails)).update(
        to=[], subject=ANONYMISED, body="", attachments=[]
    )
    texts = SmsMessage.objects.filter(phone__in=[p for p in phones if p]).update(
        phone="", text=ANONYMISED
    )
    return letters + texts
