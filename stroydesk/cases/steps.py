"""The machinery of one step of a request, shared by the commands in ``cases.services``.

A step is one transaction (``atomic_step``): the check of who may take it (``authorize``), a
compare-and-set on the request's status and version (``move``: two operators acting at once,
exactly one wins, the other gets ``ConcurrentChange``), the side rows, and one ``History`` row
(``record``), which publishes the row as a ``RequestEvent`` to the apps above after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.accounts.models import User
from stroydesk.cases.attachments import CheckedFile
from stroydesk.cases.events import RequestEvent, request_events
from stroydesk.cases.lifecycle import ACTION_LABELS, TRANSITIONS
from stroydesk.cases.models import Attachment, Escalation, History, Request
from stroydesk.core import errors as core_errors
from stroydesk.core.errors import Refused
from stroydesk.core.sql import Select, insert, insert_many, update_many
from stroydesk.directory.models import Authority
from stroydesk.workcalendar import selectors as workdays

_in_bulk: ContextVar[bool] = ContextVar("cases_in_bulk", default=False)
_batch: ContextVar[_HistoryBatch | None] = ContextVar("cases_history_batch", default=None)


@dataclass
class _HistoryBatch:
    publish: bool
    order: Callable[[History], Any] | None = None
    rows: list[History] = field(default_factory=list)


@contextmanager
def bulk(
    *,
    batch_history: bool = False,
    publish: bool = True,
    history_order: Callable[[History], Any] | None = None,
) -> Iterator[None]:
    """Run many commands inside the caller's own transaction, without a savepoint for each.

    For a caller that gives up on the first error anyway (the history generator): the savepoint
    that a command otherwise makes inside an outer transaction costs two round trips and buys
    only a partial rollback that such a caller never uses. An error rolls back the whole outer
    transaction.

    ``batch_history``: the history rows of the commands are written together, in the order
    they were recorded, by one INSERT when the block ends (and published then), instead of one
    INSERT each; inside the block ``record`` returns rows not yet saved, so it suits a caller
    that does not read the history back before the block ends. ``publish=False`` tells nobody
    of the rows (a past year made up for the statistics has no one to write letters to); the
    rows are written all the same. ``history_order``: a key the batch's rows are sorted by
    (stably) before they are written, for a caller that takes its steps in another order than
    the one its history should keep.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("bulk() must run inside the caller's transaction")
    token = _in_bulk.set(True)
    # A plain bulk() inside a batching one keeps to the outer batch: the rows stay in order.
    own = _HistoryBatch(publish, history_order) if batch_history or not publish else None
    batch = own or _batch.get()
    batch_token = _batch.set(batch)
    try:
        yield
        if own is not None and own.rows:
            if own.order is not None:
                own.rows.sort(key=own.order)
            insert_many(own.rows)
            if own.publish:
                for row in own.rows:
                    _publish(row)
    finally:
        _batch.reset(batch_token)
        _in_bulk.reset(token)


def atomic_step() -> transaction.Atomic:
    """The transaction of one command (a savepoint inside a caller's one, unless in bulk)."""
    return transaction.atomic(savepoint=not _in_bulk.get())


class TransitionNotAllowed(Refused):
    """The request's status does not allow the action (HTTP 409)."""


class ConcurrentChange(TransitionNotAllowed, core_errors.ConcurrentChange):
    """Someone else changed the request first; reload it and decide again (HTTP 409)."""


def move(
    request: Request,
    *,
    action: History.Action,
    by: User | None,
    at: datetime | None = None,
    comment: str = "",
    fields: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    escalation: Escalation | None = None,
) -> Request:
    """Check and apply one transition by compare-and-set, and record it in the history."""
    transition = TRANSITIONS[action]
    check_actor(request, transition.roles, by)
    source = request.status
    if source not in transition.sources:
        raise TransitionNotAllowed(
            _("The action «%(action)s» is not possible for a request in status «%(status)s».")
            % {"action": ACTION_LABELS[action], "status": Request.Status(source).label}
        )
    target = transition.target_from(source, request.paused_status)
    at = at or timezone.now()
    fields = fields or {}
    if _compare_and_set(request, source, {"status": target, "updated_at": at, **fields}) != 1:
        raise ConcurrentChange(_("The request was changed by someone else; reload it."))
    request.status = target
    request.version += 1
    for name, value in fields.items():
        setattr(request, name, value)
    record(
        request,
        action=action,
        by=by,
        at=at,
        from_status=source,
        to_status=target,
        comment=comment,
        data=data or {},
        is_public=transition.public,
        escalation=escalation,
    )
    return request


@dataclass
class Move:
    """One request's part of ``move_many``: the arguments ``move`` takes for it."""

    request: Request
    by: User | None
    at: datetime
    comment: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    escalation: Escalation | None = None


def move_many(moves: Sequence[Move], *, action: History.Action) -> None:
    """``move`` for many requests and one action: the same checks for each, one
    compare-and-set for all (all or none: one request changed by someone else refuses the
    batch with ``ConcurrentChange``) and their history rows together. Each move sets the same
    ``fields``."""
    if not moves:
        return
    transition = TRANSITIONS[action]
    names = list(moves[0].fields)
    rows, targets = [], []
    for step in moves:
        request = step.request
        check_actor(request, transition.roles, step.by)
        if request.status not in transition.sources:
            raise TransitionNotAllowed(
                _("The action «%(action)s» is not possible for a request in status «%(status)s».")
                % {"action": ACTION_LABELS[action], "status": Request.Status(request.status).label}
            )
        if list(step.fields) != names:
            raise ValueError("every move of a batch sets the same fields")
        target = transition.target_from(request.status, request.paused_status)
        targets.append(target)
        rows.append(
            [request.pk, request.status, request.version, target, step.at, *step.fields.values()]
        )
    if len({row[0] for row in rows}) != len(rows):
        raise ValueError("a request may move once in a batch")
    changed = update_many(
        Request,
        ("pk", "status", "version"),
        ("status", "updated_at", *names),
        rows,
        increment="version",
    )
    if changed != len(rows):
        raise ConcurrentChange(_("The request was changed by someone else; reload it."))
    history = []
    for step, target in zip(moves, targets, strict=True):
        request, source = step.request, step.request.status
        request.status = target
        request.version += 1
        for name, value in step.fields.items():
            setattr(request, name, value)
        history.append(
            history_row(
                request,
                action=action,
                by=step.by,
                at=step.at,
                from_status=source,
                to_status=target,
                comment=step.comment,
                data=step.data,
                is_public=transition.public,
                escalation=step.escalation,
            )
        )
    record_many(history)


def _compare_and_set(request: Request, source: str, values: dict[str, Any]) -> int:
    """``UPDATE … SET version = version + 1, … WHERE id, status and version are as read``; the
    rows changed. Every step passes here, so the statement is put together directly: building
    the same UPDATE through a queryset cost more than running it (a third of a generated
    request's time went into the ORM's query compiler)."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    meta = Request._meta
    version = quote(meta.get_field("version").column)
    assignments, params = [f"{version} = {version} + 1"], []
    for name, value in values.items():
        field = meta.get_field(name)
        assert isinstance(field, Field) and field.concrete and not field.primary_key
        if hasattr(value, "prepare_database_save"):  # a related object: its key
            value = value.prepare_database_save(field)
        assignments.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    status = quote(meta.get_field("status").column)
    pk = quote(meta.pk.column)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {pk} = %s AND {status} = %s AND {version} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, request.pk, source, request.version])
        return cursor.rowcount


def authorize(request: Request, action: History.Action, by: User | None) -> None:
    """Refuse a user whose role may not take the action, before the input is even looked at."""
    check_actor(request, TRANSITIONS[action].roles, by)


def check_actor(request: Request, roles: frozenset[str], by: User | None) -> None:
    """Refuse a user whose role may not act, an applicant on another's request, a
    specialist on a request that is not with their authority; ``by`` None is a channel."""
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


def record(
    request: Request,
    *,
    action: History.Action,
    by: User | None,
    at: datetime | None = None,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
    escalation: Escalation | None = None,
) -> History:
    """Append one row to the request's history (the only way rows are written) and publish it;
    the subscribers (notifications and others above cases) hear of it after the commit.
    ``escalation`` when the row belongs to an authority's period (see ``History.escalation``)."""
    row = history_row(
        request,
        action=action,
        by=by,
        at=at,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        data=data,
        is_public=is_public,
        escalation=escalation,
    )
    batch = _batch.get()
    if batch is not None:
        batch.rows.append(row)  # written and published when the caller's bulk() block ends
        return row
    insert(row)  # append-only: always a new row; compiled once (core.sql), every step writes one
    _publish(row)
    return row


def records_at_once() -> bool:
    """Whether ``record`` writes a row at once, no caller's batch holding it for later (the
    rows of a batch must keep their order)."""
    return _batch.get() is None


def recorded(row: History) -> History:
    """Publish, as ``record`` does, a history row that its caller wrote with a statement of its
    own (``numbering.insert_numbered``)."""
    _publish(row)
    return row


def history_row(
    request: Request,
    *,
    action: History.Action,
    by: User | None,
    at: datetime | None = None,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
    escalation: Escalation | None = None,
) -> History:
    """A history row not yet written, for ``record_many``."""
    return History(
        request=request,
        action=action,
        escalation=escalation,
        actor=by,
        at=at or timezone.now(),
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        data=data or {},
        is_public=is_public,
    )


def record_many(rows: list[History]) -> list[History]:
    """Append rows made by ``history_row`` in one INSERT (or to the caller's batch), and
    publish them like ``record``."""
    batch = _batch.get()
    if batch is not None:
        batch.rows.extend(rows)
        return rows
    insert_many(rows)
    for row in rows:
        _publish(row)
    return rows


def _publish(row: History) -> None:
    request_events.publish(
        RequestEvent(
            request_id=row.request_id,
            action=row.action,
            actor_id=row.actor_id,
            history_id=row.pk,
        )
    )


def attach(request: Request, attachments: Iterable[CheckedFile], stored: list[Attachment]) -> None:
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


def required(value: str, field: str, message: str) -> str:
    """The stripped text, or a field error with ``message`` when it is empty."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [message]})
    return value


_OPEN_ESCALATION = Select(Escalation, "{request_id} = %s AND {status} = %s", join="authority")


def open_escalation(request: Request) -> Escalation:
    """The request's open escalation, or TransitionNotAllowed when it has none."""
    escalation: Escalation | None = _OPEN_ESCALATION.first(request.pk, Escalation.Status.OPEN)
    if escalation is None:
        raise TransitionNotAllowed(_("The request has no open escalation."))
    return escalation


_LAST_ESCALATION = Select(Escalation, "{request_id} = %s", newest=True)


def last_escalation(request: Request) -> Escalation | None:
    """The request's latest escalation, open or not."""
    escalation: Escalation | None = _LAST_ESCALATION.first(request.pk)
    return escalation


def escalation_create(
    *,
    request: Request,
    authority: Authority,
    question: str,
    by: User,
    at: datetime,
    due_at: datetime,
    paused_working_days: int = 0,
) -> Escalation:
    """A new open escalation; the unique open one per request turns a race into
    ConcurrentChange."""
    try:
        with atomic_step():
            return insert(
                Escalation(
                    request=request,
                    authority=authority,
                    question=question,
                    escalated_by=by,
                    escalated_at=at,
                    due_at=due_at,
                    paused_working_days=paused_working_days,
                )
            )
    except IntegrityError:
        raise ConcurrentChange(_("The request was escalated by someone else.")) from None


def escalation_close(escalation: Escalation, *, status: str, reason: str) -> None:
    """End an open escalation (returned, reassigned); its open question ends with it."""
    Escalation.objects.filter(pk=escalation.pk, status=Escalation.Status.OPEN).update(
        status=status, closing_reason=reason, query="", query_asked_at=None
    )


def paused_working_days(paused_at: datetime, resumed_at: datetime) -> int:
    """Working days the clock stood still: those after the pause's day up to the resume's day."""
    start = workdays.moscow_date(paused_at)
    end = workdays.moscow_date(resumed_at)
    if end <= start:
        return 0
    return workdays.working_days_between(start + timedelta(days=1), end)
