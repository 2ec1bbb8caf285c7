"""Commands that change requests: every step of the lifecycle (registration is in
``cases.registration``, re-exported here).

Each command is one transaction: a compare-and-set on the request's status and version (two
operators acting at once: exactly one wins, the other gets ``ConcurrentChange``), the side rows
(escalation, answer) and one ``History`` row. Notifications are queued on commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.accounts.models import User
from stroydesk.cases.attachments import CheckedFile
from stroydesk.cases.batches import (  # re-exported: the commands for many requests at once
    Escalating as Escalating,
)
from stroydesk.cases.batches import (
    Rate as Rate,
)
from stroydesk.cases.batches import (
    Step as Step,
)
from stroydesk.cases.batches import (
    request_answer_many as request_answer_many,
)
from stroydesk.cases.batches import (
    request_authority_answer_many as request_authority_answer_many,
)
from stroydesk.cases.batches import (
    request_close_many as request_close_many,
)
from stroydesk.cases.batches import (
    request_escalate_many as request_escalate_many,
)
from stroydesk.cases.batches import (
    request_rate_many as request_rate_many,
)
from stroydesk.cases.batches import (
    request_take_many as request_take_many,
)
from stroydesk.cases.lifecycle import (
    ASSIGNEES,
    applicant_may_add_information,
    reopen_last_day,
    reopen_window_open,
)
from stroydesk.cases.models import Answer, Attachment, Escalation, History, Rating, Request
from stroydesk.cases.registration import (  # re-exported: callers find them here
    EARLIEST_YEAR as EARLIEST_YEAR,
)
from stroydesk.cases.registration import (
    Registration as Registration,
)
from stroydesk.cases.registration import (
    request_register as request_register,
)
from stroydesk.cases.registration import (
    request_register_many as request_register_many,
)
from stroydesk.cases.registration import (
    topic_check_active,
)
from stroydesk.cases.steps import (  # the refusals are caught as services.* by callers
    ConcurrentChange,
    TransitionNotAllowed,
    atomic_step,
    attach,
    authorize,
    escalation_close,
    escalation_create,
    last_escalation,
    move,
    open_escalation,
    paused_working_days,
    record,
    required,
)
from stroydesk.core.sql import insert
from stroydesk.directory.models import Authority, Topic
from stroydesk.workcalendar import selectors as workdays

S = Request.Status
A = History.Action


# --- Lifecycle ------------------------------------------------------------------------------


def request_take(*, request: Request, by: User, at: datetime | None = None) -> Request:
    """An operator takes a new request into work."""
    with atomic_step():
        return move(request, action=A.TAKE, by=by, at=at, fields={"operator": by})


def request_assign(
    *, request: Request, by: User, operator: User, at: datetime | None = None
) -> Request:
    """Put another operator in charge (a supervisor spreading the work, a hand-over before
    leave): a new request goes into work with them as if they had taken it; in any later status
    only the operator changes. A closed request is refused; reopening brings it back to work."""
    authorize(request, A.ASSIGN, by)
    if not operator.is_active or operator.role not in ASSIGNEES:
        refusal = _("A request can be assigned only to an active operator or supervisor.")
        raise ValidationError({"operator": [refusal]})
    if operator.pk == request.operator_id:
        raise ValidationError({"operator": [_("The request is already with this operator.")]})
    before = request.operator
    with atomic_step():
        move(
            request,
            action=A.ASSIGN,
            by=by,
            at=at,
            fields={"operator": operator},
            data={"from": before.username if before else "", "to": operator.username},
        )
    return request


def request_answer(*, request: Request, by: User, text: str, at: datetime | None = None) -> Request:
    """The operator sends the applicant the full answer (their own or the reviewed authority's)."""
    authorize(request, A.ANSWER, by)
    text = required(text, "text", _("The answer is empty."))
    now = at or timezone.now()
    # An answer sent after the authority's one (under review) names that escalation: the
    # applicant is told which authority answered.
    escalation = last_escalation(request) if request.status == S.UNDER_REVIEW else None
    with atomic_step():
        move(request, action=A.ANSWER, by=by, at=now, fields={"answered_at": now})
        insert(
            Answer(
                request=request,
                kind=Answer.Kind.FINAL,
                text=text,
                author=by,
                created_at=now,
                escalation=escalation,
            )
        )
    return request


def request_escalate(
    *,
    request: Request,
    by: User,
    authority: Authority,
    question: str = "",
    at: datetime | None = None,
) -> Escalation:
    """Hand the request to a competent authority; its answer is due in 4 working days."""
    authorize(request, A.ESCALATE, by)
    if not authority.is_active:
        raise ValidationError({"authority": [_("This authority takes no new requests.")]})
    now = at or timezone.now()
    due_at = workdays.answer_due(now)
    with atomic_step():
        move(
            request,
            action=A.ESCALATE,
            by=by,
            at=now,
            fields={"authority": authority, "due_at": due_at},
            data={"authority": authority.short_name, "due_at": due_at.isoformat()},
        )
        escalation = escalation_create(
            request=request,
            authority=authority,
            question=question.strip(),
            by=by,
            at=now,
            due_at=due_at,
        )
    return escalation


def request_reassign(
    *,
    request: Request,
    by: User,
    authority: Authority,
    reason: str,
    at: datetime | None = None,
) -> Escalation:
    """Move an escalation to another authority; the due moment stays, the reason is kept."""
    authorize(request, A.REASSIGN, by)
    reason = required(reason, "reason", _("Say why the request goes to another authority."))
    if not authority.is_active:
        raise ValidationError({"authority": [_("This authority takes no new requests.")]})
    if authority.pk == request.authority_id:
        raise ValidationError({"authority": [_("The request is already with this authority.")]})
    now = at or timezone.now()
    with atomic_step():
        current = open_escalation(request)
        move(
            request,
            action=A.REASSIGN,
            by=by,
            at=now,
            comment=reason,
            fields={"authority": authority},
            data={"from": str(current.authority), "to": authority.short_name},
        )
        escalation_close(current, status=Escalation.Status.REASSIGNED, reason=reason)
        escalation = escalation_create(
            request=request,
            authority=authority,
            question=current.question,
            by=by,
            at=now,
            due_at=current.due_at,
            paused_working_days=current.paused_working_days,
        )
    return escalation


def request_authority_answer(
    *, request: Request, by: User, text: str, at: datetime | None = None
) -> Answer:
    """The authority's specialist answers; the operator reviews it before it goes out."""
    authorize(request, A.AUTHORITY_ANSWER, by)
    text = required(text, "text", _("The answer is empty."))
    now = at or timezone.now()
    with atomic_step():
        escalation = open_escalation(request)
        move(request, action=A.AUTHORITY_ANSWER, by=by, at=now)
        # The answer settles the authority's own open question too: sent back, the escalation
        # must not show a stale one.
        Escalation.objects.filter(pk=escalation.pk).update(
            status=Escalation.Status.ANSWERED,
            answered_at=now,
            answered_by=by,
            query="",
            query_asked_at=None,
        )
        answer = insert(
            Answer(
                request=request,
                escalation=escalation,
                kind=Answer.Kind.AUTHORITY,
                text=text,
                author=by,
                created_at=now,
            )
        )
    return answer


def request_decline(
    *, request: Request, by: User, reason: str, at: datetime | None = None
) -> Request:
    """The specialist returns the request: not their authority's competence."""
    authorize(request, A.DECLINE, by)
    reason = required(reason, "reason", _("Say why this is not your authority's competence."))
    with atomic_step():
        escalation = open_escalation(request)
        move(
            request,
            action=A.DECLINE,
            by=by,
            at=at,
            comment=reason,
            fields={"authority": None, "due_at": None},
            data={"authority": str(escalation.authority)},
        )
        escalation_close(escalation, status=Escalation.Status.RETURNED, reason=reason)
    return request


def request_send_back(
    *, request: Request, by: User, comment: str, at: datetime | None = None
) -> Request:
    """The operator finds the authority's answer incomplete and sends it back, due date kept."""
    authorize(request, A.SEND_BACK, by)
    comment = required(comment, "comment", _("Say what the answer lacks."))
    with atomic_step():
        escalation = (
            Escalation.objects.filter(request=request, status=Escalation.Status.ANSWERED)
            .order_by("-escalated_at", "-id")
            .first()
        )
        if escalation is None:
            raise TransitionNotAllowed(_("There is no authority's answer to send back."))
        move(request, action=A.SEND_BACK, by=by, at=at, comment=comment)
        Escalation.objects.filter(pk=escalation.pk).update(
            status=Escalation.Status.OPEN, answered_at=None, answered_by=None
        )
    return request


def request_ask_clarification(
    *, request: Request, by: User, question: str, at: datetime | None = None
) -> Request:
    """Ask the applicant for a clarification; an escalation's clock stops until they answer."""
    authorize(request, A.ASK_CLARIFICATION, by)
    question = required(question, "question", _("Write what the applicant should clarify."))
    now = at or timezone.now()
    with atomic_step():
        previous = request.status
        move(
            request,
            action=A.ASK_CLARIFICATION,
            by=by,
            at=now,
            comment=question,
            fields={"paused_status": previous},
        )
        if previous == S.ESCALATED:
            Escalation.objects.filter(request=request, status=Escalation.Status.OPEN).update(
                paused_at=now
            )
    return request


def request_clarify(
    *, request: Request, by: User | None, text: str, at: datetime | None = None
) -> Request:
    """The applicant answers the clarification; the due moment moves by the paused working days.

    ``by`` is None when the answer came through a channel without a login (an e-mail reply
    from the applicant's address, matched by channels).
    """
    authorize(request, A.CLARIFY, by)
    text = required(text, "text", _("The clarification is empty."))
    now = at or timezone.now()
    with atomic_step():
        escalation = Escalation.objects.filter(
            request=request, status=Escalation.Status.OPEN, paused_at__isnull=False
        ).first()
        fields: dict[str, Any] = {"paused_status": ""}
        data: dict[str, Any] = {}
        if escalation is not None:
            assert escalation.paused_at is not None
            shift = paused_working_days(escalation.paused_at, now)
            due_at = workdays.end_of_day(
                workdays.add_working_days(workdays.moscow_date(escalation.due_at), shift)
            )
            fields["due_at"] = due_at
            data = {
                "paused_working_days": shift,
                "due_at": due_at.isoformat(),
            }
        move(
            request,
            action=A.CLARIFY,
            by=by,
            at=now,
            comment=text,
            fields=fields,
            data=data,
            escalation=escalation,
        )
        if escalation is not None:
            Escalation.objects.filter(pk=escalation.pk).update(
                paused_at=None,
                due_at=fields["due_at"],
                paused_working_days=F("paused_working_days") + data["paused_working_days"],
            )
    return request


def request_close(*, request: Request, by: User, at: datetime | None = None) -> Request:
    """Close an answered request (the applicant is satisfied, or the operator closes it)."""
    now = at or timezone.now()
    with atomic_step():
        return move(request, action=A.CLOSE, by=by, at=now, fields={"closed_at": now})


def request_reopen(
    *, request: Request, by: User, reason: str, at: datetime | None = None
) -> Request:
    """The applicant reopens an answered request within the window of working days."""
    authorize(request, A.REOPEN, by)
    reason = required(reason, "reason", _("Say what is missing in the answer."))
    now = at or timezone.now()
    if not reopen_window_open(request.answered_at, now=now):
        raise TransitionNotAllowed(
            _(
                "A request can be reopened within %(window)d working days of the answer; "
                "that ended on %(last_day)s. Please send a new request."
            )
            % {
                "window": settings.REOPEN_WINDOW_WORKING_DAYS,
                "last_day": f"{reopen_last_day(request.answered_at):%d.%m.%Y}",
            }
        )
    with atomic_step():
        return move(
            request, action=A.REOPEN, by=by, at=now, comment=reason, fields={"closed_at": None}
        )


def request_add_note(*, request: Request, by: User | None, text: str) -> History:
    """An internal note of the staff (or of the system when ``by`` is None); never public."""
    if by is not None and by.role == User.Role.APPLICANT:
        raise PermissionDenied(_("Applicants cannot write internal notes."))
    text = required(text, "text", _("The note is empty."))
    return record(request, action=A.NOTE, by=by, comment=text, is_public=False)


def request_add_message(
    *,
    request: Request,
    text: str,
    by: User | None = None,
    channel: str = Request.Channel.EMAIL,
    attachments: Iterable[CheckedFile] = (),
    data: dict[str, Any] | None = None,
) -> History:
    """A further message of the applicant on their request (e.g. an e-mail reply), shown to both
    sides; when the request waits for the applicant, the message is their clarification.

    A signed-in ``by`` must be the request's applicant (staff write internal notes instead), and
    a closed request takes nothing more from them: reopening it is the way back. ``by`` None is a
    channel acting for the applicant (an e-mail reply matched by the sender's address); there is
    nobody to show a refusal to, so such a message is kept even on a closed request.

    The request's operator is told of a message, and so are the authority's specialists while
    the request is with them. A clarification is not announced this way: it takes the request
    out of waiting and back into its operator's work, which is the notice.
    """
    if by is not None:
        if by.role != User.Role.APPLICANT:
            raise PermissionDenied(_("Staff add information to a request as internal notes."))
        if request.applicant.user_id != by.pk:
            raise PermissionDenied(_("This is not your request."))
    text = required(text, "text", _("The message is empty."))
    stored: list[Attachment] = []
    try:
        with atomic_step():
            # Decide on the row as it is now, locked: the caller's copy may predate an operator's
            # question, and the message would then miss being the clarification.
            current = (
                Request.objects.select_for_update().values("status", "version").get(pk=request.pk)
            )
            request.status, request.version = current["status"], current["version"]
            if by is not None and not applicant_may_add_information(request.status):
                raise TransitionNotAllowed(
                    _(
                        "The request is closed. If the answer is not complete, reopen the "
                        "request; for a new question, please send a new request."
                    )
                )
            attach(request, attachments, stored)
            if request.status == S.WAITING_APPLICANT:
                request_clarify(request=request, by=by, text=text)
                return History.objects.filter(request=request).latest("id")
            details = {"channel": channel, "attachments": len(stored), **(data or {})}
            # Written while an authority has the request: the message belongs to its period, and
            # a specialist of another authority will not read it (selectors.APPLICANT_ADDITIONS).
            escalation = Escalation.objects.filter(
                request=request, status=Escalation.Status.OPEN
            ).first()
            row = record(
                request,
                action=A.MESSAGE,
                by=by,
                comment=text,
                data=details,
                escalation=escalation,
            )
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return row


def request_rate(
    *, request: Request, by: User, score: int, comment: str = "", at: datetime | None = None
) -> Rating:
    """The applicant rates the last final answer of their request, once per answer."""
    if by.role != User.Role.APPLICANT or request.applicant.user_id != by.pk:
        raise PermissionDenied(_("Only the applicant rates the answer to their request."))
    if request.status not in {S.ANSWERED, S.CLOSED}:
        raise TransitionNotAllowed(_("Only an answered request can be rated."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"score": [_("Choose a mark from 1 to 5.")]})
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError({"comment": [_("The comment is longer than 2000 characters.")]})
    answer = (
        Answer.objects.filter(request=request, kind=Answer.Kind.FINAL)
        .order_by("-created_at", "-id")
        .first()
    )
    if answer is None:
        raise TransitionNotAllowed(_("There is no answer to rate yet."))
    try:
        with atomic_step():
            now = at or timezone.now()
            rating = insert(
                Rating(request=request, answer=answer, score=score, comment=comment, created_at=now)
            )
            record(request, action=A.RATED, by=by, at=now, comment=comment, data={"score": score})
    except IntegrityError:
        raise TransitionNotAllowed(_("This answer has been rated already.")) from None
    return rating


def request_set_topic(*, request: Request, by: User, topic: Topic) -> Request:
    """An operator classifies or re-classifies the request, with a topic still in use."""
    if not by.is_center_staff:
        raise PermissionDenied(_("Only the center's staff classify requests."))
    topic_check_active(topic)
    with atomic_step():
        before = request.topic
        changed = Request.objects.filter(pk=request.pk, version=request.version).update(
            topic=topic, version=F("version") + 1, updated_at=timezone.now()
        )
        if changed != 1:
            raise ConcurrentChange(_("The request was changed by someone else; reload it."))
        request.topic = topic
        request.version += 1
        record(
            request,
            action=A.SET_TOPIC,
            by=by,
            is_public=False,
            data={"from": str(before) if before else "", "to": str(topic)},
        )
    return request


# --- The authority's questions to the contact center ----------------------------------------


def request_authority_query(
    *, request: Request, by: User, question: str, at: datetime | None = None
) -> Escalation:
    """The authority's specialist asks the center's operator about the escalated request (which
    building, the applicant's permit number…), one open question at a time.

    It is the center's internal exchange: the request stays with the authority and the 4-day
    clock keeps running. If the operator has to ask the applicant, ``request_ask_clarification``
    is what stops the clock.
    """
    authorize(request, A.AUTHORITY_QUERY, by)
    question = required(question, "question", _("Write what the contact center should clarify."))
    now = at or timezone.now()
    with atomic_step():
        escalation = open_escalation(request)
        if escalation.query_asked_at is not None:
            raise TransitionNotAllowed(
                _("The authority's earlier question still waits for the contact center's reply.")
            )
        move(
            request,
            action=A.AUTHORITY_QUERY,
            by=by,
            at=now,
            comment=question,
            data={"escalation": escalation.pk},
            escalation=escalation,
        )
        # The request's version decided the race already; this keeps the row honest anyway.
        asked = Escalation.objects.filter(
            pk=escalation.pk, status=Escalation.Status.OPEN, query_asked_at__isnull=True
        ).update(query=question, query_asked_at=now)
        if asked != 1:
            raise ConcurrentChange(_("The request was changed by someone else; reload it."))
    escalation.query, escalation.query_asked_at = question, now
    return escalation


def request_authority_query_reply(
    *, request: Request, by: User, text: str, at: datetime | None = None
) -> Escalation:
    """The center's staff answer the authority's open question; the question is cleared, and
    the question and the reply stay in the request's internal history."""
    authorize(request, A.AUTHORITY_QUERY_REPLY, by)
    text = required(text, "text", _("The reply is empty."))
    now = at or timezone.now()
    with atomic_step():
        escalation = (
            Escalation.objects.filter(
                request=request, status=Escalation.Status.OPEN, query_asked_at__isnull=False
            )
            .select_related("authority")
            .first()
        )
        if escalation is None:
            raise TransitionNotAllowed(_("The authority has no open question on this request."))
        asked_at = escalation.query_asked_at
        move(
            request,
            action=A.AUTHORITY_QUERY_REPLY,
            by=by,
            at=now,
            comment=text,
            data={"escalation": escalation.pk, "question": escalation.query},
            escalation=escalation,
        )
        replied = Escalation.objects.filter(pk=escalation.pk, query_asked_at=asked_at).update(
            query="", query_asked_at=None
        )
        if replied != 1:
            raise ConcurrentChange(_("The request was changed by someone else; reload it."))
    escalation.query, escalation.query_asked_at = "", None
    return escalation
