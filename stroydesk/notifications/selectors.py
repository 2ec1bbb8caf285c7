"""Queries of the notifications part: what waits to be sent."""

from __future__ import annotations

from stroydesk.channels.models import OutgoingMessage


def letters_waiting_count() -> int:
    """E-mails logged and not yet sent (waiting for the worker or for the next retry)."""
    return OutgoingMessage.objects.filter(
        status__in=[OutgoingMessage.Status.PENDING, OutgoingMessage.Status.SENDING]
    ).count()
