"""What the channels tell about one request: the letters it was made of or received."""

from __future__ import annotations

from stroydesk.channels.models import ProcessedMessage

Outcome = ProcessedMessage.Outcome


def mail_received_for(*, request_id: int) -> list[ProcessedMessage]:
    """The letters filed on this request (the first one, the applicant's further ones, and
    those held for review), oldest first, each with its sender's authentication verdict."""
    return list(
        ProcessedMessage.objects.filter(
            request_id=request_id,
            outcome__in=[Outcome.REQUEST, Outcome.MESSAGE, Outcome.REVIEW],
        ).order_by("processed_at", "pk")
    )
