"""The 4-working-day promise, watched: due-soon reminders and overdue alerts.

Each escalation is marked at most once per kind by a conditional update, so running the scan
twice (or in two workers at once) reports nothing twice. Who is told is for notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from stroydesk.cases import selectors
from stroydesk.cases.models import Escalation


@dataclass(frozen=True)
class SlaScan:
    reminded: list[int]
    alerted: list[int]


def sla_scan(*, now: datetime | None = None) -> SlaScan:
    """Mark escalations due within a working day and those overdue, each once; the caller (the
    periodic job of notifications) tells the people concerned about the ones marked now."""
    now = now or timezone.now()
    reminded = _mark(selectors.escalations_due_soon(now=now), "reminder_sent_at", now)
    alerted = _mark(selectors.escalations_overdue(now=now), "overdue_alerted_at", now)
    return SlaScan(reminded=reminded, alerted=alerted)


def _mark(candidates, field: str, now: datetime) -> list[int]:
    marked = []
    for pk in candidates.values_list("pk", flat=True):
        won = Escalation.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(**{field: now})
        if won == 1:
            marked.append(pk)
    return marked
