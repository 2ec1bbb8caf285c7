"""Queries of requests, answered in one place for who may see what.

An applicant sees their own requests, a specialist those escalated to their authority now, the
center's staff everything. What a user may not see does not exist for them (404, not 403).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.lookups import In
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.accounts.models import User
from stroydesk.accounts.selectors import (
    applicant_ids_matching,
    user_get_active,
    user_list_active,
)
from stroydesk.cases import search
from stroydesk.cases.lifecycle import ASSIGNEES
from stroydesk.cases.models import Answer, Attachment, Escalation, History, Request
from stroydesk.directory.selectors import authority_id_of
from stroydesk.workcalendar import selectors as workdays


def _by_reader(qs: QuerySet, *, user: User, applicants: Q | None = None) -> QuerySet:
    """``qs`` as this user may read it: the center's staff all, a specialist their authority's
    rows (``authority_id``), an applicant those of ``applicants`` (none when None)."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_center_staff:
        return qs
    if user.role == User.Role.SPECIALIST:
        authority_id = authority_id_of(user=user)
        return qs.filter(authority_id=authority_id) if authority_id else qs.none()
    if user.role == User.Role.APPLICANT and applicants is not None:
        return qs.filter(applicants)
    return qs.none()


def request_visible_to(*, user: User) -> QuerySet[Request]:
    """Every request this user may see."""
    return _by_reader(Request.objects.all(), user=user, applicants=Q(applicant__user=user))


@dataclass(frozen=True)
class RequestFilters:
    """What a list of requests can be narrowed by; None means "any"."""

    status: list[str] | None = None
    topic_id: int | None = None
    authority_id: int | None = None
    channel: str | None = None
    overdue: bool | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    query: str | None = None
    operator_id: int | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    # True: the authority has an open question to the center on it (see ``escalation_open_query``).
    authority_query: bool | None = None


def request_list_for(*, user: User, filters: RequestFilters | None = None) -> QuerySet[Request]:
    """The requests a user may see, filtered, newest first, ready for a list page."""
    f = filters or RequestFilters()
    qs = request_visible_to(user=user).select_related("topic", "authority", "applicant")
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.topic_id is not None:
        qs = qs.filter(Q(topic_id=f.topic_id) | Q(topic__parent_id=f.topic_id))
    if f.authority_id is not None:
        qs = qs.filter(authority_id=f.authority_id)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.overdue is not None:
        overdue = Q(due_at__lt=timezone.now(), status__in=OPEN_FOR_AUTHORITY)
        qs = qs.filter(overdue) if f.overdue else qs.exclude(overdue)
    if f.registered_from is not None:
        qs = qs.filter(registered_at__gte=workdays.start_of_day(f.registered_from))
    if f.registered_to is not None:
        qs = qs.filter(registered_at__lte=workdays.end_of_day(f.registered_to))
    if f.query:
        qs = qs.filter(request_search_condition(user=user, query=f.query))
    if f.operator_id is not None:
        qs = qs.filter(operator_id=f.operator_id)
    if f.due_from is not None:
        qs = qs.filter(due_at__gte=f.due_from)
    if f.due_to is not None:
        qs = qs.filter(due_at__lte=f.due_to)
    if f.authority_query is not None:
        asked = Exists(
            Escalation.objects.filter(
                request=OuterRef("pk"),
                status=Escalation.Status.OPEN,
                query_asked_at__isnull=False,
            )
        )
        qs = qs.filter(asked if f.authority_query else ~asked)
    return qs.order_by("-id")


def request_search_condition(*, user: User, query: str) -> Q:
    """What a search box means: a registration number (whole, in part, any case), else the
    words of subject and text in any form, or — for the center's staff only, who may read
    applicants' contacts — the applicant's name, e-mail or phone."""
    number = search.parse_number(query)
    if number is not None:
        return search.number_condition(number)
    groups = search.word_groups(query)
    condition = search.words_condition(groups) if groups else Q(pk__in=[])
    if user.is_center_staff:
        # Fetched first, as a short list: inlined as a subquery, its OR with the word match
        # would keep PostgreSQL from combining the two indexes (it read every row instead).
        applicants = list(applicant_ids_matching(query=query)[:APPLICANTS_MATCHED])
        if applicants:
            condition |= Q(applicant_id__in=applicants)
    return condition


# A name matching more applicants than this is too vague to be a search by applicant.
APPLICANTS_MATCHED = 200


# Statuses in which the authority's clock runs (waiting for the applicant stops it).
OPEN_FOR_AUTHORITY = (Request.Status.ESCALATED,)


def request_get_for(*, user: User, pk: int | str) -> Request:
    """One request the user may see, or Http404."""
    try:
        return (
            request_visible_to(user=user)
            .select_related("topic__parent", "authority", "applicant", "operator")
            .get(pk=pk)
        )
    except (Request.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such request.")) from None


A = History.Action
# The history rows of an authority's questions to the center and the center's replies; their
# ``History.escalation`` says whose exchange it was.
AUTHORITY_QUERY_ACTIONS = (A.AUTHORITY_QUERY, A.AUTHORITY_QUERY_REPLY)
# The applicant's own words after registration: information they added, and their answers to
# clarifications. Written while an authority had the request, they carry its escalation in
# ``History.escalation``; written while the center had it, none.
APPLICANT_ADDITIONS = (A.MESSAGE, A.CLARIFY)
# What of a public row's details the applicant reads: how it came, how many files, their mark,
# the authority a request went to. Never an escalation's id, a due moment, a staff login.
APPLICANT_DETAILS: dict[str, tuple[str, ...]] = {
    A.REGISTER: ("channel", "attachments"),
    A.MESSAGE: ("channel", "attachments"),
    A.ESCALATE: ("authority",),
    A.RATED: ("score",),
}


def request_history_for(*, user: User, request: Request) -> QuerySet[History]:
    """The request's timeline as this user may see it: the applicant only the public steps, a
    specialist not what belongs to another authority's escalation: its exchange of questions with
    the center (a reply may carry the applicant's data that only that authority needed), nor
    what the applicant wrote while another authority had the request."""
    qs = History.objects.filter(request=request).select_related("actor")
    if user.role == User.Role.APPLICANT:
        qs = qs.filter(is_public=True)
    elif user.role == User.Role.SPECIALIST:
        ours = request_escalations_for(user=user, request=request).values("pk")
        # What the applicant wrote to the center before, between or after escalations is part
        # of the question the authority now has; only another's period is withheld.
        qs = qs.filter(Q(escalation__isnull=True) | Q(escalation__in=ours))
    return qs.order_by("at", "id")


def request_timeline_for(*, user: User, request: Request) -> list[History]:
    """``request_history_for`` read, with the details each row may show this user: the
    applicant gets only ``APPLICANT_DETAILS`` of each row."""
    rows = list(request_history_for(user=user, request=request))
    return _public_details(rows) if user.role == User.Role.APPLICANT else rows


def request_get_tracked(*, pk: int) -> Request:
    """A request followed without an account, once its number and the mailed code matched (the
    caller checked them): only its public card is read from it (``request_public_timeline``)."""
    try:
        return Request.objects.select_related("topic").get(pk=pk)
    except Request.DoesNotExist:
        raise Http404("No such request.") from None


def request_public_timeline(*, request: Request) -> list[History]:
    """What anyone who may follow the request reads of its timeline (the applicant, or someone
    tracking it by its number and the mailed code): the public steps with their public details."""
    rows = History.objects.filter(request=request, is_public=True).select_related("actor")
    return _public_details(list(rows.order_by("at", "id")))


def _public_details(rows: list[History]) -> list[History]:
    # In memory only: a history row is never saved again (History.save refuses).
    for row in rows:
        keep = APPLICANT_DETAILS.get(row.action, ())
        row.data = {key: value for key, value in row.data.items() if key in keep}
        row.escalation_id = None
    return rows


def request_additions_for(*, user: User, request: Request) -> QuerySet[History]:
    """What the applicant added to the request after registering it, oldest first, as this user
    may read it (``request_history_for``): a specialist gets what came while their authority or
    the center had the request, not what came while another authority had it."""
    return request_history_for(user=user, request=request).filter(action__in=APPLICANT_ADDITIONS)


def applicant_wrote_last() -> ExpressionWrapper:
    """For a list of requests: whether each one's latest step is the applicant's own words
    (``APPLICANT_ADDITIONS``), that is, nobody at the center or the authority has acted since.

    A correlated lookup of one history row on the index (request, at), in the list's own query;
    PostgreSQL evaluates it only for the rows a page keeps, after the sort and the LIMIT
    (measured: +0.2 ms for a queue page at 1,000,000 requests and 4.4 million history rows).
    """
    latest = (
        History.objects.filter(request=OuterRef("pk")).order_by("-at", "-id").values("action")[:1]
    )
    return ExpressionWrapper(
        In(Subquery(latest), list(APPLICANT_ADDITIONS)), output_field=BooleanField()
    )


def applicant_contacts_visible_to(*, user: User) -> bool:
    """A specialist works on the question, not with the person: the authority answers through
    the center, so it gets no contacts of the applicant (only the name and the kind)."""
    return user.role != User.Role.SPECIALIST


def request_answers_for(*, user: User, request: Request) -> QuerySet[Answer]:
    """The answers this user may read: the applicant the final ones, a specialist the final
    ones and their own authority's, the center all of them."""
    qs = Answer.objects.filter(request=request).order_by("created_at", "id")
    if user.role == User.Role.APPLICANT:
        return request_final_answers(request=request)
    if user.role == User.Role.SPECIALIST:
        ours = request_escalations_for(user=user, request=request)
        return qs.filter(Q(kind=Answer.Kind.FINAL) | Q(escalation__in=ours))
    return qs


def request_final_answers(*, request: Request) -> QuerySet[Answer]:
    """The answers sent to the applicant, oldest first (all the applicant ever reads)."""
    return Answer.objects.filter(request=request, kind=Answer.Kind.FINAL).order_by(
        "created_at", "id"
    )


def request_escalations(*, request: Request) -> QuerySet[Escalation]:
    return (
        Escalation.objects.filter(request=request)
        .select_related("authority")
        .order_by("escalated_at", "id")
    )


def request_escalations_for(*, user: User, request: Request) -> QuerySet[Escalation]:
    """The request's escalations this user may see: a specialist only their authority's, the
    applicant none (they deal with the center)."""
    qs = request_escalations(request=request)
    if user.role == User.Role.APPLICANT:
        return qs.none()
    if user.role == User.Role.SPECIALIST:
        authority_id = authority_id_of(user=user)
        return qs.filter(authority_id=authority_id) if authority_id else qs.none()
    return qs


def escalation_visible_to(*, user: User) -> QuerySet[Escalation]:
    """Every escalation this user may see: the center's staff all, a specialist their
    authority's, nobody else any (applicants deal with the center)."""
    return _by_reader(Escalation.objects.all(), user=user)


def escalation_list_for(*, user: User, is_open: bool | None = None) -> QuerySet[Escalation]:
    """The escalations this user may see, only the open ones (True) or only the ended ones
    (False), with their request; the caller orders them."""
    qs = escalation_visible_to(user=user).select_related("request").defer("request__text")
    if is_open is None:
        return qs
    running = Q(status=Escalation.Status.OPEN)
    return qs.filter(running if is_open else ~running)


def attachment_get_for(*, user: User, pk: int) -> Attachment:
    """A file of a request the user may see, or Http404."""
    attachment = (
        Attachment.objects.filter(pk=pk, request__in=request_visible_to(user=user))
        .select_related("request")
        .first()
    )
    if attachment is None:
        raise Http404("No such file.")
    return attachment


def request_open_escalation(*, request: Request) -> Escalation | None:
    return request_escalations(request=request).filter(status=Escalation.Status.OPEN).first()


def escalations_due_soon(*, now: datetime) -> QuerySet[Escalation]:
    """Open, running escalations due by the end of the next working day, not yet reminded."""
    horizon = workdays.end_of_day(workdays.add_working_days(workdays.moscow_date(now), 1))
    return Escalation.objects.filter(
        status=Escalation.Status.OPEN,
        paused_at__isnull=True,
        reminder_sent_at__isnull=True,
        due_at__gt=now,
        due_at__lte=horizon,
    )


def escalations_overdue(*, now: datetime) -> QuerySet[Escalation]:
    """Open, running escalations past their due moment, supervisor not yet alerted."""
    return Escalation.objects.filter(
        status=Escalation.Status.OPEN,
        paused_at__isnull=True,
        overdue_alerted_at__isnull=True,
        due_at__lt=now,
    )


def escalations_overdue_count(*, now: datetime) -> int:
    """How many open escalations are past their due moment now (alerted or not)."""
    return Escalation.objects.filter(status=Escalation.Status.OPEN, due_at__lt=now).count()


def assignee_list() -> QuerySet[User]:
    """Whom a request can be assigned to: the active operators and supervisors, by name."""
    return user_list_active(roles=ASSIGNEES)


def assignee_get(*, key: str | int) -> User | None:
    """One of ``assignee_list`` by login or id; None for anyone else (an applicant's login is
    their e-mail: a staff form must not tell whether one exists)."""
    return user_get_active(roles=ASSIGNEES, key=key)


# --- For routing: what the center answered, and what came in -------------------------------


def requests_answered_for_learning(*, limit: int = 200_000) -> list[dict[str, Any]]:
    """Answered and closed requests with a topic, newest first, as plain rows: number, subject,
    text, applicant kind, channel, topic code, the code of the authority whose answer went out
    (empty when the center answered alone), registration moment, and the final answer's text."""
    answered_by = (
        Escalation.objects.filter(request=OuterRef("pk"), status=Escalation.Status.ANSWERED)
        .order_by("-answered_at", "-id")
        .values("authority__code")[:1]
    )
    final = (
        Answer.objects.filter(request=OuterRef("pk"), kind=Answer.Kind.FINAL)
        .order_by("-created_at", "-id")
        .values("text")[:1]
    )
    rows = (
        Request.objects.filter(
            status__in=[Request.Status.ANSWERED, Request.Status.CLOSED], topic__isnull=False
        )
        .annotate(answered_by=Subquery(answered_by), final_answer=Subquery(final))
        .order_by("-id")
        .values(
            "pk",
            "number",
            "subject",
            "text",
            "channel",
            "registered_at",
            "answered_by",
            "final_answer",
            topic_code=F("topic__code"),
            applicant_kind=F("applicant__kind"),
        )[:limit]
    )
    return list(rows)


def requests_answered_texts(*, limit: int) -> list[tuple[int, str, str, str]]:
    """(pk, number, subject, text) of the newest answered and closed requests with a topic:
    what the similar-request index is built from, without the answers and authorities that
    ``requests_answered_for_learning`` adds (its rows are three times the size)."""
    rows = (
        Request.objects.filter(
            status__in=[Request.Status.ANSWERED, Request.Status.CLOSED], topic__isnull=False
        )
        .order_by("-id")
        .values_list("pk", "number", "subject", "text")[:limit]
    )
    return list(rows)


def requests_registered_between(*, since: datetime, until: datetime) -> QuerySet[Request]:
    """Requests still waiting for an operator, registered in the window, oldest first."""
    return (
        Request.objects.filter(
            status=Request.Status.REGISTERED, registered_at__gte=since, registered_at__lt=until
        )
        .select_related("applicant")
        .order_by("registered_at", "id")
    )


def request_ids_reassigned(*, ids: list[int]) -> set[int]:
    """Which of these requests were ever moved from one authority to another."""
    return set(
        History.objects.filter(request_id__in=ids, action="reassign").values_list(
            "request_id", flat=True
        )
    )


def requests_registered_count(*, since: datetime, until: datetime) -> int:
    return Request.objects.filter(registered_at__gte=since, registered_at__lt=until).count()


def request_id_for_tracking(*, number: str, email: str) -> int | None:
    """The request of this number asked from this e-mail (tracking without an account)."""
    return (
        Request.objects.filter(
            number=number.strip().upper(), applicant__email=email.strip().lower()
        )
        .values_list("pk", flat=True)
        .first()
    )


# --- For the notices of notifications (above cases): rows and what letters quote -------------


def history_row_get(*, pk: int) -> History | None:
    """One history row with its actor (the event a notice is about); None if it is gone."""
    return History.objects.select_related("actor").filter(pk=pk).first()


def history_ids_since(
    *, since: datetime, actions: Iterable[str], after_id: int = 0, limit: int = 500
) -> list[int]:
    """Ids of history rows written since ``since`` with one of ``actions``, above ``after_id``,
    in id order (the notices' sweep pages through them)."""
    return list(
        History.objects.filter(pk__gt=after_id, at__gte=since, action__in=list(actions))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def request_for_notice(*, pk: int) -> Request:
    """A request with what every letter names: the applicant, the authority, the operator."""
    return Request.objects.select_related("applicant", "authority", "operator").get(pk=pk)


def request_final_answer(*, request: Request) -> Answer | None:
    """The latest final answer the applicant was given."""
    return Answer.objects.filter(request=request, kind=Answer.Kind.FINAL).order_by("-id").first()


def requests_final_answer_texts(*, pks: Iterable[int]) -> dict[int, str]:
    """The text of the latest final answer of each of these requests, by request id: one
    query, for a handful of requests (the similar ones a suggestion shows)."""
    answers = (
        Answer.objects.filter(request_id__in=list(pks), kind=Answer.Kind.FINAL)
        .order_by("request_id", "created_at", "id")
        .values_list("request_id", "text")
    )
    return dict(answers)  # the latest of a request comes last and wins


def escalations_by_ids(*, ids: list[int]) -> QuerySet[Escalation]:
    """Escalations with their request and authority, by due moment (the SLA watch's marks)."""
    return (
        Escalation.objects.filter(pk__in=ids)
        .select_related("request", "authority")
        .order_by("due_at", "pk")
    )
