"""Lifecycle steps for many requests at once: the most frequent commands of ``cases.services``
(take, escalate, the authority's answer, answer, close, rate) for a batch of requests, each
under the same rules as the command for one, with one statement per kind of row for the batch.

For a caller that takes the same step on many requests at a time (the demo-history generator's
days): a statement per request costs the database its planning and executor start each time,
which on the request table with its indexes is several times the row's own write. A batch is
all or none: one refusal (a rule, a role, someone else's change) refuses it whole. The
commands are re-exported by ``cases.services``, where callers find them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from stroydesk.accounts.models import User
from stroydesk.cases.models import Answer, Escalation, History, Rating, Request
from stroydesk.cases.steps import (
    ConcurrentChange,
    Move,
    TransitionNotAllowed,
    atomic_step,
    authorize,
    history_row,
    move_many,
    record_many,
    required,
)
from stroydesk.core.sql import insert_many, update_many
from stroydesk.directory.models import Authority
from stroydesk.workcalendar import selectors as workdays

S = Request.Status
A = History.Action


@dataclass(frozen=True)
class Step:
    """One request's part of a batch: who takes the step, when, and its text where it has one."""

    request: Request
    by: User
    at: datetime
    text: str = ""


@dataclass(frozen=True)
class Escalating:
    """One request's part of ``request_escalate_many``."""

    request: Request
    by: User
    authority: Authority
    at: datetime
    question: str = ""


@dataclass(frozen=True)
class Rate:
    """One request's part of ``request_rate_many``."""

    request: Request
    by: User
    score: int
    at: datetime
    comment: str = ""


def request_take_many(steps: Sequence[Step]) -> None:
    """``request_take`` for each request of the batch."""
    with atomic_step():
        move_many(
            [Move(s.request, s.by, s.at, fields={"operator": s.by}) for s in steps], action=A.TAKE
        )


def request_answer_many(steps: Sequence[Step]) -> None:
    """``request_answer`` for each request of the batch: the final answers in one INSERT."""
    texts = []
    for step in steps:
        authorize(step.request, A.ANSWER, step.by)
        texts.append(required(step.text, "text", _("The answer is empty.")))
    # As ``request_answer``: an answer after the authority's one names that (latest) escalation.
    reviewed = [s.request.pk for s in steps if s.request.status == S.UNDER_REVIEW]
    latest: dict[int, int] = {}
    for pk, request_id in Escalation.objects.filter(request_id__in=reviewed).values_list(
        "pk", "request_id"
    ):
        latest[request_id] = max(pk, latest.get(request_id, pk))
    with atomic_step():
        move_many(
            [Move(s.request, s.by, s.at, fields={"answered_at": s.at}) for s in steps],
            action=A.ANSWER,
        )
        insert_many(
            [
                Answer(
                    request=s.request,
                    kind=Answer.Kind.FINAL,
                    text=text,
                    author=s.by,
                    created_at=s.at,
                    escalation_id=latest.get(s.request.pk),
                )
                for s, text in zip(steps, texts, strict=True)
            ]
        )


def request_close_many(steps: Sequence[Step]) -> None:
    """``request_close`` for each request of the batch."""
    with atomic_step():
        move_many(
            [Move(s.request, s.by, s.at, fields={"closed_at": s.at}) for s in steps],
            action=A.CLOSE,
        )


def request_escalate_many(steps: Sequence[Escalating]) -> list[Escalation]:
    """``request_escalate`` for each request of the batch: the escalations in one INSERT."""
    moves = []
    for step in steps:
        authorize(step.request, A.ESCALATE, step.by)
        if not step.authority.is_active:
            raise ValidationError({"authority": [_("This authority takes no new requests.")]})
        due_at = workdays.answer_due(step.at)
        moves.append(
            Move(
                step.request,
                step.by,
                step.at,
                fields={"authority": step.authority, "due_at": due_at},
                data={"authority": step.authority.short_name, "due_at": due_at.isoformat()},
            )
        )
    escalations = [
        Escalation(
            request=step.request,
            authority=step.authority,
            question=step.question.strip(),
            escalated_by=step.by,
            escalated_at=step.at,
            due_at=move.fields["due_at"],
        )
        for step, move in zip(steps, moves, strict=True)
    ]
    with atomic_step():
        move_many(moves, action=A.ESCALATE)
        try:
            with atomic_step():
                insert_many(escalations)
        except IntegrityError:  # the unique open escalation of a request
            raise ConcurrentChange(_("The request was escalated by someone else.")) from None
    return escalations


def request_authority_answer_many(steps: Sequence[Step]) -> list[Answer]:
    """``request_authority_answer`` for each request of the batch: the open escalations read
    in one SELECT, closed as answered in one UPDATE, the answers in one INSERT."""
    texts = []
    for step in steps:
        authorize(step.request, A.AUTHORITY_ANSWER, step.by)
        texts.append(required(step.text, "text", _("The answer is empty.")))
    with atomic_step():
        open_ones = {
            escalation.request_id: escalation
            for escalation in Escalation.objects.filter(
                request_id__in=[s.request.pk for s in steps], status=Escalation.Status.OPEN
            )
        }
        if len(open_ones) != len({s.request.pk for s in steps}):
            raise TransitionNotAllowed(_("The request has no open escalation."))
        move_many([Move(s.request, s.by, s.at) for s in steps], action=A.AUTHORITY_ANSWER)
        # The answer settles the authority's own open question too (see the command for one).
        update_many(
            Escalation,
            ("pk",),
            ("status", "answered_at", "answered_by", "query", "query_asked_at"),
            [
                (open_ones[s.request.pk].pk, Escalation.Status.ANSWERED, s.at, s.by, "", None)
                for s in steps
            ],
        )
        answers = [
            Answer(
                request=s.request,
                escalation=open_ones[s.request.pk],
                kind=Answer.Kind.AUTHORITY,
                text=text,
                author=s.by,
                created_at=s.at,
            )
            for s, text in zip(steps, texts, strict=True)
        ]
        insert_many(answers)
    return answers


def request_rate_many(rates: Sequence[Rate]) -> list[Rating]:
    """``request_rate`` for each request of the batch: the answers rated read in one SELECT,
    the ratings in one INSERT."""
    comments = []
    for rate in rates:
        request, by = rate.request, rate.by
        if by.role != User.Role.APPLICANT or request.applicant.user_id != by.pk:
            raise PermissionDenied(_("Only the applicant rates the answer to their request."))
        if request.status not in {S.ANSWERED, S.CLOSED}:
            raise TransitionNotAllowed(_("Only an answered request can be rated."))
        if not isinstance(rate.score, int) or not 1 <= rate.score <= 5:
            raise ValidationError({"score": [_("Choose a mark from 1 to 5.")]})
        comment = (rate.comment or "").strip()
        if len(comment) > 2000:
            raise ValidationError({"comment": [_("The comment is longer than 2000 characters.")]})
        comments.append(comment)
    # As ``request_rate``: the last final answer of each request (latest moment, then key).
    last: dict[int, tuple[datetime, int]] = {}
    for pk, request_id, created_at in Answer.objects.filter(
        request_id__in=[r.request.pk for r in rates], kind=Answer.Kind.FINAL
    ).values_list("pk", "request_id", "created_at"):
        last[request_id] = max((created_at, pk), last.get(request_id, (created_at, pk)))
    if any(r.request.pk not in last for r in rates):
        raise TransitionNotAllowed(_("There is no answer to rate yet."))
    ratings = [
        Rating(
            request=r.request,
            answer_id=last[r.request.pk][1],
            score=r.score,
            comment=comment,
            created_at=r.at,
        )
        for r, comment in zip(rates, comments, strict=True)
    ]
    try:
        with atomic_step():
            insert_many(ratings)
            record_many(
                [
                    history_row(
                        r.request,
                        action=A.RATED,
                        by=r.by,
                        at=r.at,
                        comment=comment,
                        data={"score": r.score},
                    )
                    for r, comment in zip(rates, comments, strict=True)
                ]
            )
    except IntegrityError:
        raise TransitionNotAllowed(_("This answer has been rated already.")) from None
    return ratings
