"""Requests past their keeping: the applicant's words scrubbed, the figures kept (152-ФЗ, art. 5:
personal data are kept no longer than their purpose needs).

A request is anonymised, not deleted: its number, channel, topic, authority, dates, statuses,
history actions and rating scores stay, so that the statistics of past years do not move; what the
applicant wrote (subject, text, address, cadastral number, clarifications, the comment of a
rating), what was written back (answers, questions to authorities) and the attached files go. The
applicant's own record is scrubbed by accounts (``applicant_anonymise``) once none of their
requests still needs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from stroydesk.accounts.models import ANONYMISED, Applicant
from stroydesk.cases.models import Answer, Attachment, Escalation, History, Rating, Request

# History details that carry somebody's words rather than facts about the request.
_FREE_TEXT_DETAILS = ("question", "text", "comment", "reason")


def requests_due_for_anonymisation(*, closed_before: datetime) -> Iterable[int]:
    """Ids of closed requests closed before the moment and not anonymised yet, oldest first."""
    return (
        Request.objects.filter(
            status=Request.Status.CLOSED,
            closed_at__lt=closed_before,
            anonymised_at__isnull=True,
        )
        .order_by("closed_at", "id")
        .values_list("id", flat=True)
    )


def requests_of_applicant(*, applicant_id: int) -> list[int]:
    return list(Request.objects.filter(applicant_id=applicant_id).values_list("id", flat=True))


def applicant_still_needed(*, applicant_id: int) -> bool:
    """Whether a request of this applicant still carries their words (not anonymised)."""
    return Request.objects.filter(applicant_id=applicant_id, anonymised_at__isnull=True).exists()


def _scrub_details(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if k in _FREE_TEXT_DETAILS else v) for k, v in data.items()}


@transaction.atomic
def request_anonymise(*, request_id: int, now: datetime | None = None) -> Applicant | None:
    """Scrub one request's free text and files; returns its applicant (None if done before).

    The row is locked, so that the nightly job and an erasure running at once do it once.
    """
    request = Request.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.anonymised_at is not None:
        return None
    now = now or timezone.now()
    Request.objects.filter(pk=request.pk).update(
        subject=ANONYMISED,
        text="",
        address="",
        cadastral_number="",
        search_text="",
        anonymised_at=now,
    )
    Answer.objects.filter(request=request).update(text=ANONYMISED)
    Escalation.objects.filter(request=request).update(question="", closing_reason="", query="")
    Rating.objects.filter(request=request).update(comment="")
    # The history's actions, actors and moments stay; only the words in it go. This is the one
    # change a history entry ever gets, made below the model's refusal on purpose.
    for row in History.objects.filter(request=request).only("pk", "comment", "data"):
        scrubbed = _scrub_details(row.data or {})
        if row.comment or scrubbed != row.data:
            History.objects.filter(pk=row.pk).update(comment="", data=scrubbed)
    files = list(Attachment.objects.filter(request=request))
    Attachment.objects.filter(request=request).delete()
    # Files go once the scrub is committed: a rollback must not leave rows without their files.
    for attachment in files:
        transaction.on_commit(partial(attachment.file.delete, save=False))
    return Applicant.objects.get(pk=request.applicant_id)


def requests_export(*, applicant_id: int) -> list[dict[str, Any]]:
    """Everything the center keeps about the applicant's requests, for an export on request:
    the words, the answers, the history, the names of the files."""
    out = []
    qs = (
        Request.objects.filter(applicant_id=applicant_id)
        .select_related("topic", "authority")
        .prefetch_related("answers", "attachments", "history", "ratings")
        .order_by("id")
    )
    for r in qs:
        out.append(
            {
                "number": r.number,
                "channel": r.channel,
                "status": r.status,
                "registered_at": r.registered_at.isoformat(),
                "closed_at": r.closed_at.isoformat() if r.closed_at else None,
                "anonymised_at": r.anonymised_at.isoformat() if r.anonymised_at else None,
                "topic": r.topic.name if r.topic else None,
                "authority": r.authority.short_name if r.authority else None,
                "subject": r.subject,
                "text": r.text,
                "address": r.address,
                "cadastral_number": r.cadastral_number,
                "answers": [
                    {"kind": a.kind, "text": a.text, "created_at": a.created_at.isoformat()}
                    for a in r.answers.all()
                ],
                "attachments": [
                    {"name": f.original_name, "type": f.content_type, "size": f.size}
                    for f in r.attachments.all()
                ],
                "ratings": [
                    {"score": x.score, "comment": x.comment, "at": x.created_at.isoformat()}
                    for x in r.ratings.all()
                ],
                "history": [
                    {"at": h.at.isoformat(), "action": h.action, "comment": h.comment}
                    for h in r.history.all()
                ],
            }
        )
    return out
