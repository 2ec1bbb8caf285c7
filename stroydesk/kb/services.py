"""Commands of the knowledge base: suggestions shown, deflection recorded (articles: see below)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from stroydesk.kb.models import SuggestionImpression

MAX_IMPRESSION_QUERY = 500


@transaction.atomic
def suggestion_impression_record(
    *, session_key: str, query: str, slugs: list[str]
) -> SuggestionImpression | None:
    """Record that these articles were suggested in this browser session for the typed text.

    Typing produces a suggestion request every few keystrokes: when the same articles are shown
    again in the same session, the last impression is refreshed instead of adding a row.
    """
    if not session_key or not slugs:
        return None
    query = query[:MAX_IMPRESSION_QUERY]
    last = (
        SuggestionImpression.objects.select_for_update()
        .filter(session_key=session_key, submitted_request_number__isnull=True)
        .order_by("-shown_at", "-id")
        .first()
    )
    now = timezone.now()
    if last is not None and last.shown_slugs == slugs:
        last.query = query
        last.shown_at = now
        last.save(update_fields=["query", "shown_at"])
        return last
    return SuggestionImpression.objects.create(
        session_key=session_key, query=query, shown_slugs=slugs, shown_at=now
    )


def deflection_record_submission(*, session_key: str, request_number: str) -> None:
    """Mark the suggestions shown in this session as followed by a question sent anyway.

    Called by the portal after it registered the question. Only the impressions not yet
    linked to a request are marked, so a second question in the same session links only the
    suggestions shown after the first one.
    """
    if not session_key or not request_number:
        return
    SuggestionImpression.objects.filter(
        session_key=session_key, submitted_request_number__isnull=True
    ).update(submitted_request_number=request_number[:32])
