"""The sweeps that make letters survive a lost job: the queue was down when a step committed,
or a consumer was killed with jobs in its hands.

Two durable records say what still has to be told, so nothing else must be:
- the domain's history rows: a recent row whose action the rules name and that has no
  ``DispatchedEvent`` yet gets its letters now (the letters' keys make a repeat send nothing);
- the letter log: a *pending* letter nobody is working on is queued again; a *sending* one
  whose claim is older than the lease (``EMAIL_SENDING_LEASE_SECONDS``; its worker died) goes
  back to pending and is sent again under the same Message-ID, so a receiving server can drop
  the rare duplicate.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from stroydesk.cases import selectors as cases
from stroydesk.notifications import letters
from stroydesk.notifications.models import DispatchedEvent, OutgoingMessage
from stroydesk.notifications.outbound import _enqueue, retry_delay
from stroydesk.notifications.rules import REQUEST_RULES

log = logging.getLogger(__name__)

Status = OutgoingMessage.Status
EVENT_WINDOW = timedelta(hours=6)
# A job queued at commit normally runs within seconds; younger letters are left to it.
PENDING_GRACE = timedelta(seconds=10)
PAGE = 500


def events_sweep(*, limit: int = 200) -> int:
    """Dispatch the letters of recent history rows that were never handled; rows dispatched."""
    since = timezone.now() - EVENT_WINDOW
    after_id, todo = 0, list[int]()
    # An anti-join in two indexed queries per page: the candidate ids, then those handled.
    while len(todo) < limit:
        ids = cases.history_ids_since(
            since=since, actions=REQUEST_RULES.keys(), after_id=after_id, limit=PAGE
        )
        if not ids:
            break
        handled = set(
            DispatchedEvent.objects.filter(history_id__in=ids).values_list("history_id", flat=True)
        )
        todo += [pk for pk in ids if pk not in handled]
        after_id = ids[-1]
    done = 0
    for history_id in todo[:limit]:
        try:
            letters.request_letters_send(history_id=history_id)
        except Exception:
            log.exception("letters of history row %s not dispatched; next sweep", history_id)
            continue
        done += 1
    if done:
        log.info("sweep: dispatched the letters of %d unhandled events", done)
    return done


def letters_sweep(*, limit: int = 500) -> int:
    """Queue again the letters whose job was lost; the number queued."""
    now = timezone.now()
    lease = timedelta(seconds=settings.EMAIL_SENDING_LEASE_SECONDS)
    stale = list(
        OutgoingMessage.objects.filter(status=Status.SENDING)
        .filter(Q(claimed_at__lt=now - lease) | Q(claimed_at__isnull=True))
        .values_list("pk", "claimed_at")[:limit]
    )
    for pk, claimed_at in stale:
        # Compare-and-set on the claim seen: a worker that claims it again meanwhile wins.
        OutgoingMessage.objects.filter(pk=pk, status=Status.SENDING, claimed_at=claimed_at).update(
            status=Status.PENDING
        )
    revived = {pk for pk, _ in stale}
    queued = 0
    pending = OutgoingMessage.objects.filter(
        status=Status.PENDING, created_at__lt=now - PENDING_GRACE
    ).values_list("pk", "attempts", "claimed_at")[:limit]
    for pk, attempts, claimed_at in pending:
        # A failed attempt has its retry scheduled, and a letter queued by an earlier sweep has
        # its job: leave them to it until that is overdue (claimed_at marks either).
        wait = timedelta(seconds=retry_delay(attempts)) + PENDING_GRACE
        if pk not in revived and claimed_at is not None and claimed_at > now - wait:
            continue
        if OutgoingMessage.objects.filter(
            pk=pk, status=Status.PENDING, claimed_at=claimed_at
        ).update(claimed_at=now):
            _enqueue(pk)
            queued += 1
    if queued:
        log.info("sweep: queued %d letters again (%d were stuck sending)", queued, len(stale))
    return queued


def sweep() -> tuple[int, int]:
    """Both sweeps: (events dispatched, letters queued again)."""
    return events_sweep(), letters_sweep()
