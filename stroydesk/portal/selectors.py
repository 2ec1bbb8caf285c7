"""Queries of the workspaces: the operator's queue with its saved views, counts and cursor pages,
the specialist's inbox, the supervisor's board, workload and the personal-data access log.

Visibility always starts from ``cases.selectors`` (what a user may see); everything here only
narrows and orders it. Each list is paged by a cursor over an indexed ordering, so a page costs
the same on the millionth request as on the first.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from stroydesk.accounts.audit import access_naming
from stroydesk.accounts.models import Applicant, PersonalDataAccess, User
from stroydesk.accounts.validators import normalize_phone
from stroydesk.cases.lifecycle import actions_for, applicant_may_add_information, reopen_last_day
from stroydesk.cases.models import OPEN_STATUSES, Answer, Escalation, History, Request
from stroydesk.cases.selectors import (
    AUTHORITY_QUERY_ACTIONS,
    RequestFilters,
    applicant_wrote_last,
    escalation_list_for,
    request_additions_for,
    request_answers_for,
    request_escalations,
    request_final_answers,
    request_get_tracked,
    request_history_for,
    request_list_for,
    request_public_timeline,
    request_timeline_for,
    request_visible_to,
)
from stroydesk.directory.models import Authority, Topic
from stroydesk.directory.selectors import (
    topic_competent_authorities,
    topic_list,
)
from stroydesk.web.paging import Page, cursor_datetime, decode_cursor, encode_cursor
from stroydesk.workcalendar import selectors as workdays

S = Request.Status
A = History.Action
PAGE_SIZE = 50

# The saved views of the queue, in the order of the tabs; "open" is the default.
QUEUE_VIEWS = [
    "open",
    "mine",
    "unassigned",
    "escalated",
    "review",
    "questions",
    "due_today",
    "overdue",
    "all",
]
COUNTED_VIEWS = ["mine", "unassigned", "escalated", "review", "questions", "due_today", "overdue"]
QUEUE_SORTS = ["new", "old", "due"]


def queue_filters(*, view: str, user: User, now: datetime, query: str = "") -> RequestFilters:
    """The filters of one saved view of the queue."""
    today = workdays.moscow_date(now)
    q = query.strip() or None
    views: dict[str, RequestFilters] = {
        "open": RequestFilters(status=OPEN_STATUSES, query=q),
        "mine": RequestFilters(status=OPEN_STATUSES, operator_id=user.pk, query=q),
        # Taking a request is what gives it an operator: the new ones are the unassigned ones.
        "unassigned": RequestFilters(status=[S.REGISTERED.value], query=q),
        "escalated": RequestFilters(status=[S.ESCALATED.value], query=q),
        "review": RequestFilters(status=[S.UNDER_REVIEW.value], query=q),
        # Questions of authorities the center can reply to now; while the applicant is being
        # asked (waiting_applicant) the question waits with the request.
        "questions": RequestFilters(status=[S.ESCALATED.value], authority_query=True, query=q),
        "due_today": RequestFilters(
            status=[S.ESCALATED.value],
            due_from=workdays.start_of_day(today),
            due_to=workdays.end_of_day(today),
            query=q,
        ),
        "overdue": RequestFilters(overdue=True, query=q),
        "all": RequestFilters(query=q),
    }
    return views.get(view, views["open"])


def queue_counts(*, user: User, now: datetime) -> dict[str, int]:
    """How many requests each counted view holds: one query over the open requests, and one
    over the authorities' open questions.

    The first counts the status column and filters on status, operator and due date only, so
    that the partial index ``request_open_counts`` answers it without reading the table. The
    questions need the escalations: joined into the first, they would cost it that index-only
    scan, so they are counted apart, from the small partial index ``escalation_open_query``.
    """
    today = workdays.moscow_date(now)
    escalated = Q(status=S.ESCALATED)
    counts: dict[str, int] = (
        request_visible_to(user=user)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(
            mine=Count("status", filter=Q(operator_id=user.pk)),
            unassigned=Count("status", filter=Q(status=S.REGISTERED)),
            escalated=Count("status", filter=escalated),
            review=Count("status", filter=Q(status=S.UNDER_REVIEW)),
            due_today=Count(
                "status",
                filter=escalated
                & Q(
                    due_at__gte=workdays.start_of_day(today),
                    due_at__lte=workdays.end_of_day(today),
                ),
            ),
            overdue=Count("status", filter=escalated & Q(due_at__lt=now)),
        )
    )
    questions = queue_filters(view="questions", user=user, now=now)
    counts["questions"] = request_list_for(user=user, filters=questions).count()
    return counts


def queue_queryset(*, user: User, view: str, query: str = "", now: datetime) -> QuerySet[Request]:
    """The rows of one saved view of the queue, with just the joins the list shows, and whether
    the applicant wrote last (the row's marker of news from them)."""
    filters = queue_filters(view=view, user=user, now=now, query=query)
    # The list shows neither the applicant nor the authority: don't join them.
    return (
        request_list_for(user=user, filters=filters)
        .select_related(None)
        .select_related("topic", "operator")
        .defer("text")
        .annotate(applicant_wrote_last=applicant_wrote_last())
    )


def queue_page(
    *, user: User, view: str, sort: str, cursor: str = "", query: str = "", now: datetime
) -> Page:
    """One page of the operator's queue in the chosen view and order."""
    qs = queue_queryset(user=user, view=view, query=query, now=now)
    return _cursor_page(qs, sort=sort, cursor=cursor)


def _cursor_page(qs: QuerySet[Request], *, sort: str, cursor: str) -> Page:
    qs = queue_order(qs, sort=sort, cursor=cursor)
    rows = list(qs[: PAGE_SIZE + 1])
    if len(rows) <= PAGE_SIZE:
        return Page(items=rows, next_cursor=None)
    last = rows[PAGE_SIZE - 1]
    values: dict[str, Any] = {"id": last.pk}
    if sort == "due":
        values["due"] = last.due_at.isoformat() if last.due_at else ""
    return Page(items=rows[:PAGE_SIZE], next_cursor=encode_cursor(values))


def queue_order(qs: QuerySet[Request], *, sort: str, cursor: str = "") -> QuerySet[Request]:
    """The queue in one order, from the cursor's position on (every order ends with the id)."""
    position = decode_cursor(cursor)
    if sort == "old":
        qs = qs.order_by("id")
        if position:
            qs = qs.filter(id__gt=position["id"])
    elif sort == "due":
        qs = qs.order_by(F("due_at").asc(nulls_last=True), "id")
        due = cursor_datetime(position.get("due")) if position else False
        if position and due is not False:
            if due is None:
                qs = qs.filter(due_at__isnull=True, id__gt=position["id"])
            else:
                qs = qs.filter(
                    Q(due_at__gt=due)
                    | Q(due_at=due, id__gt=position["id"])
                    | Q(due_at__isnull=True)
                )
    else:
        qs = qs.order_by("-id")
        if position:
            qs = qs.filter(id__lt=position["id"])
    return qs


def duplicates_of(*, user: User, request: Request, limit: int = 5) -> list[Request]:
    """Other open requests of the same applicant: maybe the same question asked twice."""
    return list(
        request_visible_to(user=user)
        .filter(applicant_id=request.applicant_id, status__in=OPEN_STATUSES)
        .exclude(pk=request.pk)
        .only("pk", "number", "subject", "status", "registered_at")
        .order_by("-id")[:limit]
    )


def applicants_matching(*, phone: str = "", email: str = "", limit: int = 5) -> list[Applicant]:
    """Applicants known by this phone or e-mail, for the phone intake form."""
    condition = Q()
    email = email.strip().lower()
    if email:
        condition |= Q(email=email)
    if phone.strip():
        # A half-typed number simply matches nobody.
        with contextlib.suppress(ValidationError):
            condition |= Q(phone=normalize_phone(phone))
    if not condition:
        return []
    return list(
        Applicant.objects.filter(condition)
        .annotate(
            open_requests=Count("requests", filter=Q(requests__status__in=OPEN_STATUSES)),
            all_requests=Count("requests"),
        )
        .order_by("pk")[:limit]
    )


def applicant_page(*, user: User, cursor: str = "") -> Page:
    """The signed-in applicant's own requests, newest first, a page at a time."""
    qs = request_visible_to(user=user).select_related("topic").defer("text")
    return _cursor_page(qs, sort="new", cursor=cursor)


def authority_inbox(*, user: User) -> list[Escalation]:
    """The open escalations of the specialist's authority, the most urgent first."""
    return list(
        escalation_list_for(user=user, is_open=True)
        .select_related("request__topic")
        .order_by("due_at", "id")
    )


def authority_recent(*, user: User, limit: int = 20) -> list[Escalation]:
    """What the specialist's authority answered or returned lately."""
    return list(
        escalation_list_for(user=user, is_open=False).order_by("-escalated_at", "-id")[:limit]
    )


def board(*, user: User, now: datetime | None = None) -> dict[str, list[Escalation]]:
    """Escalations past their due moment, and those due by the end of the next working day."""
    now = now or timezone.now()
    horizon = workdays.end_of_day(workdays.add_working_days(workdays.moscow_date(now), 1))
    running = (
        escalation_list_for(user=user, is_open=True)
        .filter(paused_at__isnull=True)
        .select_related("authority", "request__operator")
    )
    return {
        "overdue": list(running.filter(due_at__lt=now).order_by("due_at", "id")[:200]),
        "at_risk": list(
            running.filter(due_at__gte=now, due_at__lte=horizon).order_by("due_at", "id")[:200]
        ),
    }


def workload(*, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Open requests per operator and open escalations per authority, with the overdue ones."""
    now = now or timezone.now()
    requests = request_visible_to(user=user)
    per_operator = list(
        requests.filter(status__in=OPEN_STATUSES, operator__isnull=False)
        .values("operator_id", "operator__username", "operator__last_name", "operator__first_name")
        .annotate(
            total=Count("pk"),
            escalated=Count("pk", filter=Q(status=S.ESCALATED)),
            review=Count("pk", filter=Q(status=S.UNDER_REVIEW)),
            overdue=Count("pk", filter=Q(status=S.ESCALATED, due_at__lt=now)),
        )
        .order_by("-total", "operator__username")
    )
    for row in per_operator:
        name = f"{row['operator__last_name']} {row['operator__first_name']}".strip()
        row["name"] = name or row["operator__username"]
    per_authority = list(
        escalation_list_for(user=user, is_open=True)
        .values("authority_id", "authority__short_name")
        .annotate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now, paused_at__isnull=True)),
            paused=Count("pk", filter=Q(paused_at__isnull=False)),
        )
        .order_by("-total", "authority__short_name")
    )
    unassigned = requests.filter(status=S.REGISTERED, operator__isnull=True).count()
    return {"operators": per_operator, "authorities": per_authority, "unassigned": unassigned}


def access_log_page(*, cursor: str = "", actor: str = "", applicant_id: int | None = None) -> Page:
    """The personal-data access trail, newest first, narrowed by staff login or applicant."""
    qs = PersonalDataAccess.objects.select_related("actor", "applicant").order_by("-id")
    if actor.strip():
        qs = qs.filter(actor__username=actor.strip())
    if applicant_id is not None:
        qs = qs.filter(access_naming(applicant_id))
    position = decode_cursor(cursor)
    if position:
        qs = qs.filter(id__lt=position["id"])
    rows = list(qs[: PAGE_SIZE + 1])
    if len(rows) <= PAGE_SIZE:
        return Page(items=rows, next_cursor=None)
    return Page(items=rows[:PAGE_SIZE], next_cursor=encode_cursor({"id": rows[PAGE_SIZE - 1].pk}))


def applicant_card(*, user: User, request: Request, now: datetime) -> dict[str, Any]:
    """What the applicant's card shows: the public timeline, the answer and the open steps."""
    history = request_timeline_for(user=user, request=request)
    answers = list(
        request_answers_for(user=user, request=request).select_related(
            "rating", "escalation__authority"
        )
    )
    last_answer = answers[-1] if answers else None
    rating = getattr(last_answer, "rating", None) if last_answer else None
    question = next((h.comment for h in reversed(history) if h.action == A.ASK_CLARIFICATION), "")
    actions = set(actions_for(request=request, role=user.role, now=now))
    return {
        "history": history,
        "answers": answers,
        "question": question,
        "can_clarify": A.CLARIFY in actions,
        # Information can be added until the request is closed (then: reopen, or a new one).
        "can_add": applicant_may_add_information(request.status),
        "can_reopen": A.REOPEN in actions,
        "reopen_until": reopen_last_day(request.answered_at) if A.REOPEN in actions else None,
        "can_close": A.CLOSE in actions,
        "can_rate": last_answer is not None and rating is None,
        "rating": rating,
        "attachments": list(request.attachments.order_by("id")),
    }


def tracked_card(*, request_id: int) -> dict[str, Any]:
    """The read-only card of a request tracked by number and e-mail code: public steps only."""
    request = request_get_tracked(pk=request_id)
    return {
        "case": request,
        "history": request_public_timeline(request=request),
        "answers": list(request_final_answers(request=request)),
    }


def desk_card(*, user: User, request: Request) -> dict[str, Any]:
    """What the staff card of a request shows: everything, internal steps included."""
    history = request_timeline_for(user=user, request=request)
    answers = list(request_answers_for(user=user, request=request).select_related("author"))
    authority_answers = [a for a in answers if a.kind == Answer.Kind.AUTHORITY]
    competent = desk_card_competent(request=request)
    escalations = list(request_escalations(request=request))
    open_escalation = next((e for e in escalations if e.status == Escalation.Status.OPEN), None)
    open_query = open_escalation if open_escalation and open_escalation.query_asked_at else None
    actions = set(actions_for(request=request, role=user.role, now=timezone.now()))
    return {
        "history": history,
        "notes": [h for h in history if h.action == A.NOTE],
        "escalations": escalations,
        "open_query": open_query,
        "can_reply_query": open_query is not None and A.AUTHORITY_QUERY_REPLY in actions,
        "answers": answers,
        "final_answers": [a for a in answers if a.kind == Answer.Kind.FINAL],
        "authority_answer": authority_answers[-1] if authority_answers else None,
        "attachments": list(request.attachments.order_by("id")),
        "duplicates": duplicates_of(user=user, request=request),
        "actions": actions,
        "competent": competent,
        "ratings": list(request.ratings.order_by("created_at")),
    }


def desk_card_competent(*, request: Request) -> list[Authority]:
    """The authorities competent for the request's topic, the main one first."""
    return topic_competent_authorities(topic=request.topic) if request.topic else []


def topic_get(*, pk: int) -> Topic | None:
    """A topic by its id, in use or not: whether it may still be chosen is the service's rule."""
    return topic_list(active_only=False).filter(pk=pk).first()


def authority_card(*, user: User, request: Request) -> dict[str, Any]:
    """What a specialist sees of a request: the question, what the applicant added to it, the
    files, the escalation and their authority's exchange of questions with the center; no
    contacts."""
    escalations = [
        e for e in request_escalations(request=request) if e.authority_id == request.authority_id
    ]
    escalation = escalations[-1] if escalations else None
    ours = {e.pk for e in escalations}
    # Only this authority's questions and the center's replies, not another authority's ones.
    exchange = [
        h
        for h in request_history_for(user=user, request=request).filter(
            action__in=AUTHORITY_QUERY_ACTIONS
        )
        if h.escalation_id in ours
    ]
    actions = set(actions_for(request=request, role=user.role, now=timezone.now()))
    answers = [
        a
        for a in request_answers_for(user=user, request=request).select_related("escalation")
        if a.kind == Answer.Kind.AUTHORITY
        and a.escalation is not None
        and a.escalation.authority_id == request.authority_id
    ]
    open_escalation = (
        escalation if escalation and escalation.status == Escalation.Status.OPEN else None
    )
    return {
        "escalation": escalation,
        "additions": list(request_additions_for(user=user, request=request)),
        "attachments": list(request.attachments.order_by("id")),
        "answers": answers,
        "actions": actions,
        "exchange": exchange,
        "open_query": open_escalation.query if open_escalation else "",
        "can_ask": (
            A.AUTHORITY_QUERY in actions
            and open_escalation is not None
            and open_escalation.query_asked_at is None
        ),
    }
