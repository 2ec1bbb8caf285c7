"""Commands that change requests: registration and every step of the lifecycle.

Each command is one transaction: a compare-and-set on the request's status and version (two
operators acting at once: exactly one wins, the other gets ``ConcurrentChange``), the side rows
(escalation, answer) and one ``History`` row. Notifications are queued on commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.accounts.models import Applicant, User
from stroydesk.cases.attachments import CheckedFile
from stroydesk.cases.lifecycle import ACTION_LABELS, TRANSITIONS
from stroydesk.cases.models import Answer, Attachment, Escalation, History, Rating, Request
from stroydesk.cases.numbering import next_number
from stroydesk.directory.models import Authority, Topic
from stroydesk.workcalendar import selectors as workdays

S = Request.Status


_in_bulk: ContextVar[bool] = ContextVar("cases_in_bulk", default=False)


@contextmanager
def bulk() -> Iterator[None]:
    """Run many commands inside the caller's own transaction, without a savepoint for each.

    For a caller that gives up on the first error anyway (the history generator): the savepoint
    that a command otherwise makes inside an outer transaction costs two round trips and buys
    only a partial rollback that such a caller never uses. An error rolls back the whole outer
    transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("bulk() must run inside the caller's transaction")
    token = _in_bulk.set(True)
    try:
        yield
    finally:
        _in_bulk.reset(token)


def _atomic() -> transaction.Atomic:
    """The transaction of one command (a savepoint inside a caller's one, unless in bulk)."""
    return transaction.atomic(savepoint=not _in_bulk.get())


class TransitionNotAllowed(Exception):
    """The request's status does not allow the action (HTTP 409)."""


class ConcurrentChange(TransitionNotAllowed):
    """Someone else changed the request first; reload it and decide again (HTTP 409)."""


# --- Registration ---------------------------------------------------------------------------


def request_register(
    *,
    applicant: Applicant,
    channel: str,
    subject: str,
    text: str,
    topic: Topic | None = None,
    address: str = "",
    cadastral_number: str = "",
    registered_at: datetime | None = None,
    created_by: User | None = None,
    attachments: Iterable[CheckedFile] = (),
) -> Request:
    """Register a request with the next number of its year; the files were checked already.

    Stored files are removed again if the transaction fails, so that a refused request leaves
    nothing behind.
    """
    now = timezone.now()
    registered_at = registered_at or now
    if registered_at > now + timedelta(minutes=5):
        raise ValidationError({"registered_at": [_("The registration time is in the future.")]})
    if topic is not None and not topic.is_active:
        raise ValidationError({"topic": [_("This topic is no longer in use.")]})
    request = Request(
        applicant=applicant,
        channel=channel,
        subject=subject.strip(),
        text=text.strip(),
        topic=topic,
        address=address.strip(),
        cadastral_number=cadastral_number.strip(),
        registered_at=registered_at,
        created_by=created_by,
        year=workdays.moscow_date(registered_at).year,
        number="-",
        sequence=0,
    )
    # Related rows were loaded by the caller and the number comes below: validate the fields only.
    request.full_clean(
        exclude=["number", "sequence", "year", "applicant", "topic", "created_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    stored: list[Attachment] = []
    try:
        with _atomic():
            request.sequence = next_number(year=request.year)
            request.number = (
                f"{settings.REQUEST_NUMBER_PREFIX}-{request.year}-{request.sequence:06d}"
            )
            request.save(force_insert=True)
            _attach(request, attachments, stored)
            data: dict[str, Any] = {"channel": channel, "attachments": len(stored)}
            if now - registered_at > timedelta(minutes=1):
                # A phone call typed in later, an imported letter: the history keeps the moment
                # the request came in, and says when it was entered.
                data["entered_at"] = now.isoformat()
            _record(
                request,
                action="register",
                by=created_by,
                to_status=S.REGISTERED,
                at=registered_at,
                data=data,
            )
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    _notify_on_commit("registered", request)
    return request


# --- Lifecycle ------------------------------------------------------------------------------


def request_take(*, request: Request, by: User, at: datetime | None = None) -> Request:
    """An operator takes a new request into work."""
    with _atomic():
        return _move(request, action="take", by=by, at=at, fields={"operator": by})


def request_answer(*, request: Request, by: User, text: str, at: datetime | None = None) -> Request:
    """The operator sends the applicant the full answer (their own or the reviewed authority's)."""
    _authorize(request, "answer", by)
    text = _required(text, "text", _("The answer is empty."))
    now = at or timezone.now()
    with _atomic():
        _move(request, action="answer", by=by, at=now, fields={"answered_at": now})
        Answer.objects.create(
            request=request, kind=Answer.Kind.FINAL, text=text, author=by, created_at=now
        )
    _notify_on_commit("answered", request)
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
    _authorize(request, "escalate", by)
    if not authority.is_active:
        raise ValidationError({"authority": [_("This authority takes no new requests.")]})
    now = at or timezone.now()
    due_at = workdays.answer_due(now)
    with _atomic():
        _move(
            request,
            action="escalate",
            by=by,
            at=now,
            fields={"authority": authority, "due_at": due_at},
            data={"authority": authority.short_name, "due_at": due_at.isoformat()},
        )
        escalation = _escalation_create(
            request=request,
            authority=authority,
            question=question.strip(),
            by=by,
            at=now,
            due_at=due_at,
        )
    _notify_on_commit("escalated", request)
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
    _authorize(request, "reassign", by)
    reason = _required(reason, "reason", _("Say why the request goes to another authority."))
    if not authority.is_active:
        raise ValidationError({"authority": [_("This authority takes no new requests.")]})
    if authority.pk == request.authority_id:
        raise ValidationError({"authority": [_("The request is already with this authority.")]})
    now = at or timezone.now()
    with _atomic():
        current = _open_escalation(request)
        _move(
            request,
            action="reassign",
            by=by,
            at=now,
            comment=reason,
            fields={"authority": authority},
            data={"from": str(current.authority), "to": authority.short_name},
        )
        _escalation_close(current, status=Escalation.Status.REASSIGNED, reason=reason)
        escalation = _escalation_create(
            request=request,
            authority=authority,
            question=current.question,
            by=by,
            at=now,
            due_at=current.due_at,
            paused_working_days=current.paused_working_days,
        )
    _notify_on_commit("escalated", request)
    return escalation


def request_authority_answer(
    *, request: Request, by: User, text: str, at: datetime | None = None
) -> Answer:
    """The authority's specialist answers; the operator reviews it before it goes out."""
    _authorize(request, "authority_answer", by)
    text = _required(text, "text", _("The answer is empty."))
    now = at or timezone.now()
    with _atomic():
        escalation = _open_escalation(request)
        _move(request, action="authority_answer", by=by, at=now)
        Escalation.objects.filter(pk=escalation.pk).update(
            status=Escalation.Status.ANSWERED, answered_at=now, answered_by=by
        )
        answer = Answer.objects.create(
            request=request,
            escalation=escalation,
            kind=Answer.Kind.AUTHORITY,
            text=text,
            author=by,
            created_at=now,
        )
    return answer


def request_decline(
    *, request: Request, by: User, reason: str, at: datetime | None = None
) -> Request:
    """The specialist returns the request: not their authority's competence."""
    _authorize(request, "decline", by)
    reason = _required(reason, "reason", _("Say why this is not your authority's competence."))
    with _atomic():
        escalation = _open_escalation(request)
        _move(
            request,
            action="decline",
            by=by,
            at=at,
            comment=reason,
            fields={"authority": None, "due_at": None},
            data={"authority": str(escalation.authority)},
        )
        _escalation_close(escalation, status=Escalation.Status.RETURNED, reason=reason)
    return request


def request_send_back(
    *, request: Request, by: User, comment: str, at: datetime | None = None
) -> Request:
    """The operator finds the authority's answer incomplete and sends it back, due date kept."""
    _authorize(request, "send_back", by)
    comment = _required(comment, "comment", _("Say what the answer lacks."))
    with _atomic():
        escalation = (
            Escalation.objects.filter(request=request, status=Escalation.Status.ANSWERED)
            .order_by("-escalated_at", "-id")
            .first()
        )
        if escalation is None:
            raise TransitionNotAllowed(_("There is no authority's answer to send back."))
        _move(request, action="send_back", by=by, at=at, comment=comment)
        Escalation.objects.filter(pk=escalation.pk).update(
            status=Escalation.Status.OPEN, answered_at=None, answered_by=None
        )
    return request


def request_ask_clarification(
    *, request: Request, by: User, question: str, at: datetime | None = None
) -> Request:
    """Ask the applicant for a clarification; an escalation's clock stops until they answer."""
    _authorize(request, "ask_clarification", by)
    question = _required(question, "question", _("Write what the applicant should clarify."))
    now = at or timezone.now()
    with _atomic():
        previous = request.status
        _move(
            request,
            action="ask_clarification",
            by=by,
            at=now,
            comment=question,
            fields={"paused_status": previous},
        )
        if previous == S.ESCALATED:
            Escalation.objects.filter(request=request, status=Escalation.Status.OPEN).update(
                paused_at=now
            )
    _notify_on_commit("clarification_needed", request)
    return request


def request_clarify(
    *, request: Request, by: User | None, text: str, at: datetime | None = None
) -> Request:
    """The applicant answers the clarification; the due moment moves by the paused working days.

    ``by`` is None when the answer came through a channel without a login (an e-mail reply
    from the applicant's address, matched by channels).
    """
    _authorize(request, "clarify", by)
    text = _required(text, "text", _("The clarification is empty."))
    now = at or timezone.now()
    with _atomic():
        escalation = Escalation.objects.filter(
            request=request, status=Escalation.Status.OPEN, paused_at__isnull=False
        ).first()
        fields: dict[str, Any] = {"paused_status": ""}
        data: dict[str, Any] = {}
        if escalation is not None:
            assert escalation.paused_at is not None
            shift = _paused_working_days(escalation.paused_at, now)
            due_at = workdays.end_of_day(
                workdays.add_working_days(workdays.moscow_date(escalation.due_at), shift)
            )
            fields["due_at"] = due_at
            data = {"paused_working_days": shift, "due_at": due_at.isoformat()}
        _move(request, action="clarify", by=by, at=now, comment=text, fields=fields, data=data)
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
    with _atomic():
        return _move(request, action="close", by=by, at=now, fields={"closed_at": now})


def request_reopen(
    *, request: Request, by: User, reason: str, at: datetime | None = None
) -> Request:
    """The applicant reopens an answered request within the window of working days."""
    _authorize(request, "reopen", by)
    reason = _required(reason, "reason", _("Say what is missing in the answer."))
    now = at or timezone.now()
    if request.answered_at is not None:
        window = settings.REOPEN_WINDOW_WORKING_DAYS
        last_day = workdays.add_working_days(workdays.moscow_date(request.answered_at), window)
        if workdays.moscow_date(now) > last_day:
            raise TransitionNotAllowed(
                _(
                    "A request can be reopened within %(window)d working days of the answer; "
                    "that ended on %(last_day)s. Please send a new request."
                )
                % {"window": window, "last_day": f"{last_day:%d.%m.%Y}"}
            )
    with _atomic():
        return _move(
            request, action="reopen", by=by, at=now, comment=reason, fields={"closed_at": None}
        )


def request_add_note(*, request: Request, by: User | None, text: str) -> History:
    """An internal note of the staff (or of the system when ``by`` is None); never public."""
    if by is not None and by.role == User.Role.APPLICANT:
        raise PermissionDenied(_("Applicants cannot write internal notes."))
    text = _required(text, "text", _("The note is empty."))
    return _record(request, action="note", by=by, comment=text, is_public=False)


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
    """
    if by is not None:
        if by.role != User.Role.APPLICANT:
            raise PermissionDenied(_("Staff add information to a request as internal notes."))
        if request.applicant.user_id != by.pk:
            raise PermissionDenied(_("This is not your request."))
        if request.status == S.CLOSED:
            raise TransitionNotAllowed(
                _(
                    "The request is closed. If the answer is not complete, reopen the request; "
                    "for a new question, please send a new request."
                )
            )
    text = _required(text, "text", _("The message is empty."))
    stored: list[Attachment] = []
    try:
        with _atomic():
            _attach(request, attachments, stored)
            if request.status == S.WAITING_APPLICANT:
                request_clarify(request=request, by=by, text=text)
                return History.objects.filter(request=request).latest("id")
            details = {"channel": channel, "attachments": len(stored), **(data or {})}
            return _record(request, action="message", by=by, comment=text, data=details)
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise


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
        with _atomic():
            now = at or timezone.now()
            rating = Rating.objects.create(
                request=request, answer=answer, score=score, comment=comment, created_at=now
            )
            _record(request, action="rated", by=by, at=now, comment=comment, data={"score": score})
    except IntegrityError:
        raise TransitionNotAllowed(_("This answer has been rated already.")) from None
    return rating


def request_set_topic(*, request: Request, by: User, topic: Topic) -> Request:
    """An operator classifies or re-classifies the request."""
    if not by.is_center_staff:
        raise PermissionDenied(_("Only the center's staff classify requests."))
    with _atomic():
        before = request.topic
        changed = Request.objects.filter(pk=request.pk, version=request.version).update(
            topic=topic, version=F("version") + 1, updated_at=timezone.now()
        )
        if changed != 1:
            raise ConcurrentChange(_("The request was changed by someone else; reload it."))
        request.topic = topic
        request.version += 1
        _record(
            request,
            action="set_topic",
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
    _authorize(request, "authority_query", by)
    question = _required(question, "question", _("Write what the contact center should clarify."))
    now = at or timezone.now()
    with _atomic():
        escalation = _open_escalation(request)
        if escalation.query_asked_at is not None:
            raise TransitionNotAllowed(
                _("The authority's earlier question still waits for the contact center's reply.")
            )
        _move(
            request,
            action="authority_query",
            by=by,
            at=now,
            comment=question,
            data={"escalation": escalation.pk},
        )
        # The request's version decided the race already; this keeps the row honest anyway.
        asked = Escalation.objects.filter(
            pk=escalation.pk, status=Escalation.Status.OPEN, query_asked_at__isnull=True
        ).update(query=question, query_asked_at=now)
        if asked != 1:
            raise ConcurrentChange(_("The request was changed by someone else; reload it."))
    escalation.query, escalation.query_asked_at = question, now
    _notify_on_commit("authority_query", request)
    return escalation


def request_authority_query_reply(
    *, request: Request, by: User, text: str, at: datetime | None = None
) -> Escalation:
    """The center's staff answer the authority's open question; the question is cleared, and
    the question and the reply stay in the request's internal history."""
    _authorize(request, "authority_query_reply", by)
    text = _required(text, "text", _("The reply is empty."))
    now = at or timezone.now()
    with _atomic():
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
        _move(
            request,
            action="authority_query_reply",
            by=by,
            at=now,
            comment=text,
            data={"escalation": escalation.pk, "question": escalation.query},
        )
        replied = Escalation.objects.filter(pk=escalation.pk, query_asked_at=asked_at).update(
            query="", query_asked_at=None
        )
        if replied != 1:
            raise ConcurrentChange(_("The request was changed by someone else; reload it."))
    escalation.query, escalation.query_asked_at = "", None
    _notify_on_commit("authority_query_replied", request)
    return escalation


# --- Internals ------------------------------------------------------------------------------


def _move(
    request: Request,
    *,
    action: str,
    by: User | None,
    at: datetime | None = None,
    comment: str = "",
    fields: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Request:
    """Check and apply one transition by compare-and-set, and record it in the history."""
    transition = TRANSITIONS[action]
    _check_actor(request, transition.roles, by)
    source = request.status
    if source not in transition.sources:
        raise TransitionNotAllowed(
            _("The action «%(action)s» is not possible for a request in status «%(status)s».")
            % {"action": ACTION_LABELS[action], "status": Request.Status(source).label}
        )
    target = transition.target or request.paused_status or S.IN_PROGRESS
    at = at or timezone.now()
    fields = fields or {}
    changed = Request.objects.filter(pk=request.pk, status=source, version=request.version).update(
        status=target, version=F("version") + 1, updated_at=at, **fields
    )
    if changed != 1:
        raise ConcurrentChange(_("The request was changed by someone else; reload it."))
    request.status = target
    request.version += 1
    for name, value in fields.items():
        setattr(request, name, value)
    _record(
        request,
        action=action,
        by=by,
        at=at,
        from_status=source,
        to_status=target,
        comment=comment,
        data=data or {},
        is_public=transition.public,
    )
    return request


def _authorize(request: Request, action: str, by: User | None) -> None:
    """Refuse a user whose role may not take the action, before the input is even looked at."""
    _check_actor(request, TRANSITIONS[action].roles, by)


def _check_actor(request: Request, roles: frozenset[str], by: User | None) -> None:
    if by is None:
        return  # a channel acting for the applicant; only request_clarify accepts None
    if by.role not in roles:
        raise PermissionDenied(_("Your role does not allow this action."))
    if by.role == User.Role.APPLICANT:
        if request.applicant.user_id != by.pk:
            raise PermissionDenied(_("This is not your request."))
    elif by.role == User.Role.SPECIALIST:
        specialist = getattr(by, "specialist", None)
        if specialist is None or specialist.authority_id != request.authority_id:
            raise PermissionDenied(_("The request is not with your authority."))


def _record(
    request: Request,
    *,
    action: str,
    by: User | None,
    at: datetime | None = None,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
) -> History:
    return History.objects.create(
        request=request,
        action=action,
        actor=by,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        data=data or {},
        is_public=is_public,
    )


def _attach(request: Request, attachments: Iterable[CheckedFile], stored: list[Attachment]) -> None:
    """Store checked files on the request; ``stored`` lists them for removal if the caller's
    transaction fails, since a rollback does not delete files."""
    for checked in attachments:
        attachment = Attachment(
            request=request,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
        )
        attachment.file.save(checked.name, checked.file, save=False)
        stored.append(attachment)
        attachment.save()


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


def _open_escalation(request: Request) -> Escalation:
    escalation = (
        Escalation.objects.select_related("authority")
        .filter(request=request, status=Escalation.Status.OPEN)
        .first()
    )
    if escalation is None:
        raise TransitionNotAllowed(_("The request has no open escalation."))
    return escalation


def _escalation_create(
    *,
    request: Request,
    authority: Authority,
    question: str,
    by: User,
    at: datetime,
    due_at: datetime,
    paused_working_days: int = 0,
) -> Escalation:
    try:
        with _atomic():
            return Escalation.objects.create(
                request=request,
                authority=authority,
                question=question,
                escalated_by=by,
                escalated_at=at,
                due_at=due_at,
                paused_working_days=paused_working_days,
            )
    except IntegrityError:
        raise ConcurrentChange(_("The request was escalated by someone else.")) from None


def _escalation_close(escalation: Escalation, *, status: str, reason: str) -> None:
    Escalation.objects.filter(pk=escalation.pk, status=Escalation.Status.OPEN).update(
        status=status, closing_reason=reason
    )


def _paused_working_days(paused_at: datetime, resumed_at: datetime) -> int:
    """Working days the clock stood still: those after the pause's day up to the resume's day."""
    start = workdays.moscow_date(paused_at)
    end = workdays.moscow_date(resumed_at)
    if end <= start:
        return 0
    return workdays.working_days_between(start + timedelta(days=1), end)


def _notify_on_commit(event: str, request: Request) -> None:
    from stroydesk.cases import tasks

    request_id = request.pk
    transaction.on_commit(lambda: tasks.notify_request_event(event, request_id))
