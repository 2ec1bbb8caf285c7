"""Personal data across the apps (152-ФЗ): the nightly retention, and a supervisor's export and
erasure of one applicant. Each app scrubs and reads its own tables; this module, above them all,
puts the pieces together and writes the audit entry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from stroydesk.accounts import selectors as accounts_selectors
from stroydesk.accounts import services as accounts
from stroydesk.accounts.audit import access_record
from stroydesk.accounts.models import Applicant, User
from stroydesk.cases import retention
from stroydesk.notifications import retention as messages

log = logging.getLogger(__name__)

# Who may export or erase an applicant's data on their request.
PRIVACY_ROLES = frozenset({User.Role.SUPERVISOR, User.Role.ADMIN})


def retention_cutoff(now: datetime, years: int) -> datetime:
    """The same moment ``years`` earlier (29 February falls back to the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _anonymise_requests(request_ids: list[int], now: datetime) -> tuple[int, set[Applicant]]:
    """Anonymise these requests and their letters: how many were, and whose they were."""
    done = 0
    touched: set[Applicant] = set()
    for pk in request_ids:
        applicant = retention.request_anonymise(request_id=pk, now=now)
        if applicant is not None:
            messages.messages_scrub(request_ids=[pk])
            touched.add(applicant)
            done += 1
    return done, touched


def retention_run(*, now: datetime | None = None, years: int | None = None) -> int:
    """Anonymise the requests closed more than ``REQUEST_RETENTION_YEARS`` ago, then the records
    of applicants left with nothing to keep (no login, no request still in full). Each request
    in a transaction of its own: a crash halfway leaves the done ones done. Returns how many
    requests were anonymised."""
    years = settings.REQUEST_RETENTION_YEARS if years is None else years
    if years <= 0:
        return 0
    now = now or timezone.now()
    due = list(retention.requests_due_for_anonymisation(closed_before=retention_cutoff(now, years)))
    done, touched = _anonymise_requests(due, now)
    for applicant in touched:
        if not retention.applicant_still_needed(applicant_id=applicant.pk):
            phone = applicant.phone
            if accounts.applicant_anonymise(applicant=applicant):
                messages.messages_scrub(request_ids=[], phones=[phone])
    if done:
        log.info("retention: %d closed requests anonymised", done)
    return done


def _supervisor(by: User) -> None:
    if by.role not in PRIVACY_ROLES or not by.is_active:
        raise PermissionDenied("only a supervisor or an administrator may do this")


def applicant_export(*, applicant_id: int, by: User) -> dict[str, Any]:
    """Everything the center keeps about one applicant, as JSON-ready data; the export itself
    is an entry of the access log."""
    _supervisor(by)
    data = accounts_selectors.applicant_export_data(applicant_id=applicant_id)
    requests = retention.requests_export(applicant_id=applicant_id)
    contact = data["applicant"]
    emails = [contact["email"], (data["account"] or {}).get("email", "")]
    data["requests"] = requests
    data.update(
        messages.messages_of(
            request_ids=retention.requests_of_applicant(applicant_id=applicant_id),
            emails=emails,
            phones=[contact["phone"]],
        )
    )
    data["exported_at"] = timezone.now().isoformat()
    access_record(actor=by, applicants=[applicant_id], context="export on request")
    return data


@dataclass(frozen=True)
class Erasure:
    requests: int
    messages: int


def applicant_erase(*, applicant_id: int, by: User) -> Erasure:
    """Erase one applicant on their request: every request of theirs anonymised whatever its
    state, their letters and texts scrubbed, their record and login scrubbed. The audit entry
    is written first: an erasure is on record even if it stops halfway (run it again)."""
    _supervisor(by)
    applicant = Applicant.objects.get(pk=applicant_id)
    access_record(actor=by, applicants=[applicant_id], context="erasure on request")
    now = timezone.now()
    request_ids = retention.requests_of_applicant(applicant_id=applicant_id)
    done, _touched = _anonymise_requests(request_ids, now)
    account_email = applicant.user.email if applicant.user else ""
    scrubbed = messages.messages_scrub(
        request_ids=request_ids,
        emails=[applicant.email, account_email],
        phones=[applicant.phone],
    )
    accounts.applicant_anonymise(applicant=applicant, erase_account=True)
    log.info("erasure: applicant %s erased by %s", applicant_id, by.username)
    return Erasure(requests=done, messages=scrubbed)
