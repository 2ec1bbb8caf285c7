"""The personal-data access log (152-ФЗ): who among the staff was shown whose data, when, where.

One entry per answer, not per row: a list names the set of applicants it showed. The log is a hash
chain: an entry's ``hash`` is SHA-256 over the previous entry's hash and its own fields, so that an
entry changed, removed or slipped in afterwards shows as the first broken link
(``access_log_verify``, ``manage.py verify_access_log``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from stroydesk.accounts.models import Applicant, PersonalDataAccess, User

# Any constant of our own: the key of the PostgreSQL advisory lock that makes appends take turns.
_CHAIN_LOCK_KEY = 0x5D_A0_C0_17
CONTEXT_MAX = 100


def entry_hash(
    *, prev_hash: str, actor_id: int, applicant_ids: list[int], context: str, at_iso: str
) -> str:
    """The hash of one entry; the fields are written as canonical JSON so that no value can
    shift into its neighbour (``"1", "23"`` and ``"12", "3"`` hash differently)."""
    payload = json.dumps(
        [prev_hash, actor_id, applicant_ids, context, at_iso],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _at_iso(entry: PersonalDataAccess) -> str:
    # UTC with microseconds: what both databases give back for what was written.
    return entry.at.astimezone(UTC).isoformat(timespec="microseconds")


def _lock_chain() -> None:
    """Make appends take turns until the transaction ends: two appends reading the same head
    would fork the chain. On PostgreSQL an advisory lock held to commit; SQLite lets one
    writing transaction run at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def access_record(
    *, actor: User, applicants: Iterable[Applicant | int], context: str
) -> PersonalDataAccess | None:
    """Note that a member of staff was shown these applicants' personal data (one entry).

    Applicants reading their own data are not logged; nor is an answer that showed nobody.
    """
    if actor.role == User.Role.APPLICANT:
        return None
    ids = sorted({a if isinstance(a, int) else a.pk for a in applicants})
    if not ids:
        return None
    context = context[:CONTEXT_MAX]
    with transaction.atomic():
        _lock_chain()
        head = PersonalDataAccess.objects.order_by("-id").values_list("hash", flat=True).first()
        entry = PersonalDataAccess(
            actor=actor,
            applicant_id=ids[0],
            applicant_ids=ids,
            context=context,
            at=timezone.now(),
            prev_hash=head or "",
        )
        entry.hash = entry_hash(
            prev_hash=entry.prev_hash,
            actor_id=actor.pk,
            applicant_ids=ids,
            context=context,
            at_iso=_at_iso(entry),
        )
        entry.save()
    return entry


def access_naming(applicant_id: int) -> Q:
    """The entries that name this applicant: a list's entry names its first applicant in the
    column, all of them in the JSON, which only PostgreSQL searches by containment (on SQLite,
    a development database, the column alone answers)."""
    named = Q(applicant_id=applicant_id)
    if connection.vendor == "postgresql":
        named |= Q(applicant_ids__contains=[applicant_id])
    return named


@dataclass(frozen=True)
class ChainBreak:
    """The first entry at which the chain does not hold, and why."""

    entry_id: int
    reason: str


def _entries() -> Iterator[PersonalDataAccess]:
    return PersonalDataAccess.objects.order_by("id").iterator(chunk_size=2000)


def access_log_verify() -> tuple[int, ChainBreak | None]:
    """Walk the chain from the first entry: how many entries held, and the first break."""
    prev = ""
    checked = 0
    for entry in _entries():
        if entry.prev_hash != prev:
            return checked, ChainBreak(entry.pk, "prev_hash")
        expected = entry_hash(
            prev_hash=entry.prev_hash,
            actor_id=entry.actor_id,
            applicant_ids=list(entry.applicant_ids),
            context=entry.context,
            at_iso=_at_iso(entry),
        )
        if entry.hash != expected:
            return checked, ChainBreak(entry.pk, "hash")
        prev = entry.hash
        checked += 1
    return checked, None
