"""Queries of notifications for the apps above and beside it (the mail intake's threading)."""

from __future__ import annotations

from collections.abc import Iterable

from stroydesk.notifications.models import OutgoingMessage
from stroydesk.notifications.outbound import message_id_domain

__all__ = ["letters_waiting_count", "message_id_domain", "outgoing_request_ids"]


def outgoing_request_ids(*, message_ids: Iterable[str]) -> dict[str, int]:
    """Our Message-IDs among ``message_ids`` that name a request → that request's id."""
    return dict(
        OutgoingMessage.objects.filter(
            message_id__in=list(message_ids), request__isnull=False
        ).values_list("message_id", "request_id")
    )


def letters_waiting_count() -> int:
    """E-mails logged and not yet sent (waiting for the worker or for the next retry)."""
    return OutgoingMessage.objects.filter(
        status__in=[OutgoingMessage.Status.PENDING, OutgoingMessage.Status.SENDING]
    ).count()
