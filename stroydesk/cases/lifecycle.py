"""The request state machine: which action moves a request from which status to which, and who
may take it. Pure data and checks; the services in ``cases.services`` apply them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.models import User
from stroydesk.cases.models import History, Request
from stroydesk.workcalendar import selectors as workdays

S = Request.Status
R = User.Role
A = History.Action

CENTER_STAFF = frozenset({R.OPERATOR, R.SUPERVISOR, R.ADMIN})
# Who may be put in charge of a request: those who answer applicants. Supervisors too, since they
# may take a request themselves and take over an overdue one from the board; administrators
# keep the system, not requests, and would only crowd the choice.
ASSIGNEES = frozenset({R.OPERATOR, R.SUPERVISOR})


@dataclass(frozen=True)
class Transition:
    """An action on a request: the statuses it starts from, where it leads, who may take it."""

    action: History.Action
    sources: frozenset[str]
    target: str | None  # None: back to the status before the pause
    roles: frozenset[str]
    public: bool = True  # whether the applicant sees this step in their timeline
    keeps: frozenset[str] = frozenset()  # sources the action leaves in their status

    def target_from(self, source: str, paused_status: str = "") -> str:
        """The status the action leads to from ``source``."""
        if source in self.keeps:
            return source
        return self.target or paused_status or S.IN_PROGRESS


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(A.TAKE, frozenset({S.REGISTERED}), S.IN_PROGRESS, CENTER_STAFF),
        Transition(A.ANSWER, frozenset({S.IN_PROGRESS, S.UNDER_REVIEW}), S.ANSWERED, CENTER_STAFF),
        Transition(A.ESCALATE, frozenset({S.IN_PROGRESS}), S.ESCALATED, CENTER_STAFF),
        Transition(A.REASSIGN, frozenset({S.ESCALATED}), S.ESCALATED, CENTER_STAFF, public=False),
        # Another operator is put in charge: a new request goes into work with them (a take on
        # their behalf); later on only the operator changes. Internal: the row names staff logins.
        Transition(
            A.ASSIGN,
            frozenset(S.values) - {S.CLOSED},
            S.IN_PROGRESS,
            CENTER_STAFF,
            public=False,
            keeps=frozenset(S.values) - {S.CLOSED, S.REGISTERED},
        ),
        Transition(
            A.AUTHORITY_ANSWER,
            frozenset({S.ESCALATED}),
            S.UNDER_REVIEW,
            frozenset({R.SPECIALIST, R.ADMIN}),
            public=False,
        ),
        Transition(
            A.DECLINE,
            frozenset({S.ESCALATED}),
            S.IN_PROGRESS,
            frozenset({R.SPECIALIST, R.ADMIN}),
            public=False,
        ),
        Transition(
            A.SEND_BACK, frozenset({S.UNDER_REVIEW}), S.ESCALATED, CENTER_STAFF, public=False
        ),
        # The specialist's question to the center and the center's reply: an internal exchange
        # that leaves the request with the authority and its clock running.
        Transition(
            A.AUTHORITY_QUERY,
            frozenset({S.ESCALATED}),
            S.ESCALATED,
            frozenset({R.SPECIALIST, R.ADMIN}),
            public=False,
        ),
        Transition(
            A.AUTHORITY_QUERY_REPLY,
            frozenset({S.ESCALATED}),
            S.ESCALATED,
            CENTER_STAFF,
            public=False,
        ),
        Transition(
            A.ASK_CLARIFICATION,
            frozenset({S.IN_PROGRESS, S.ESCALATED}),
            S.WAITING_APPLICANT,
            CENTER_STAFF,
        ),
        Transition(
            A.CLARIFY,
            frozenset({S.WAITING_APPLICANT}),
            None,
            CENTER_STAFF | {R.APPLICANT},
        ),
        Transition(A.CLOSE, frozenset({S.ANSWERED}), S.CLOSED, CENTER_STAFF | {R.APPLICANT}),
        Transition(
            A.REOPEN, frozenset({S.ANSWERED, S.CLOSED}), S.IN_PROGRESS, CENTER_STAFF | {R.APPLICANT}
        ),
    ]
}


# The steps as commands (in a refusal: "the action «take into work» is not possible…"); the
# steps as done are the labels of ``History.Action``.
ACTION_LABELS = {
    A.TAKE: _("take into work"),
    A.ANSWER: _("answer"),
    A.ESCALATE: _("escalate to an authority"),
    A.REASSIGN: _("reassign to another authority"),
    A.ASSIGN: _("assign to an operator"),
    A.AUTHORITY_ANSWER: _("authority's answer"),
    A.DECLINE: _("return as not our competence"),
    A.SEND_BACK: _("send the answer back"),
    A.AUTHORITY_QUERY: _("ask the contact center a question"),
    A.AUTHORITY_QUERY_REPLY: _("reply to the authority's question"),
    A.ASK_CLARIFICATION: _("ask for a clarification"),
    A.CLARIFY: _("clarify"),
    A.CLOSE: _("close"),
    A.REOPEN: _("reopen"),
}


def applicant_may_add_information(status: str) -> bool:
    """The applicant adds to their request until it is closed; then reopening is the way back."""
    return status != S.CLOSED


def allowed_actions(*, status: str, role: str) -> list[str]:
    """The actions a user of this role could take on a request in this status."""
    return [t.action for t in TRANSITIONS.values() if status in t.sources and role in t.roles]


def reopen_last_day(answered_at: datetime | None) -> date | None:
    """The last Moscow day on which an answered request can be reopened (None: no answer yet,
    no limit): ``REOPEN_WINDOW_WORKING_DAYS`` working days after the day of the answer."""
    if answered_at is None:
        return None
    window = settings.REOPEN_WINDOW_WORKING_DAYS
    return workdays.add_working_days(workdays.moscow_date(answered_at), window)


def reopen_window_open(answered_at: datetime | None, *, now: datetime) -> bool:
    last_day = reopen_last_day(answered_at)
    return last_day is None or workdays.moscow_date(now) <= last_day


def actions_for(*, request: Request, role: str, now: datetime) -> list[str]:
    """The actions a user of this role can take on this request now: ``allowed_actions`` less a
    reopen whose window has passed (the one rule the API, the cards and the service share)."""
    actions = allowed_actions(status=request.status, role=role)
    if A.REOPEN in actions and not reopen_window_open(request.answered_at, now=now):
        actions.remove(A.REOPEN)
    return actions
