"""The request state machine: which action moves a request from which status to which, and who
may take it. Pure data and checks; the services in ``cases.services`` apply them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.models import User
from stroydesk.cases.models import Request

S = Request.Status
R = User.Role

CENTER_STAFF = frozenset({R.OPERATOR, R.SUPERVISOR, R.ADMIN})
# Who may be put in charge of a request: those who answer applicants. Supervisors too, since they
# may take a request themselves and take over an overdue one from the board; administrators
# keep the system, not requests, and would only crowd the choice.
ASSIGNEES = frozenset({R.OPERATOR, R.SUPERVISOR})


@dataclass(frozen=True)
class Transition:
    """An action on a request: the statuses it starts from, where it leads, who may take it."""

    action: str
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
        Transition("take", frozenset({S.REGISTERED}), S.IN_PROGRESS, CENTER_STAFF),
        Transition("answer", frozenset({S.IN_PROGRESS, S.UNDER_REVIEW}), S.ANSWERED, CENTER_STAFF),
        Transition("escalate", frozenset({S.IN_PROGRESS}), S.ESCALATED, CENTER_STAFF),
        Transition("reassign", frozenset({S.ESCALATED}), S.ESCALATED, CENTER_STAFF, public=False),
        # Another operator is put in charge: a new request goes into work with them (a take on
        # their behalf); later on only the operator changes. Internal: the row names staff logins.
        Transition(
            "assign",
            frozenset(S.values) - {S.CLOSED},
            S.IN_PROGRESS,
            CENTER_STAFF,
            public=False,
            keeps=frozenset(S.values) - {S.CLOSED, S.REGISTERED},
        ),
        Transition(
            "authority_answer",
            frozenset({S.ESCALATED}),
            S.UNDER_REVIEW,
            frozenset({R.SPECIALIST, R.ADMIN}),
            public=False,
        ),
        Transition(
            "decline",
            frozenset({S.ESCALATED}),
            S.IN_PROGRESS,
            frozenset({R.SPECIALIST, R.ADMIN}),
            public=False,
        ),
        Transition(
            "send_back", frozenset({S.UNDER_REVIEW}), S.ESCALATED, CENTER_STAFF, public=False
        ),
        # The specialist's question to the center and the center's reply: an internal exchange
        # that leaves the request with the authority and its clock running.
        Transition(
            "authority_query",
            frozenset({S.ESCALATED}),
            S.ESCALATED,
            frozenset({R.SPECIALIST, R.ADMIN}),
            public=False,
        ),
        Transition(
            "authority_query_reply",
            frozenset({S.ESCALATED}),
            S.ESCALATED,
            CENTER_STAFF,
            public=False,
        ),
        Transition(
            "ask_clarification",
            frozenset({S.IN_PROGRESS, S.ESCALATED}),
            S.WAITING_APPLICANT,
            CENTER_STAFF,
        ),
        Transition(
            "clarify",
            frozenset({S.WAITING_APPLICANT}),
            None,
            CENTER_STAFF | {R.APPLICANT},
        ),
        Transition("close", frozenset({S.ANSWERED}), S.CLOSED, CENTER_STAFF | {R.APPLICANT}),
        Transition(
            "reopen", frozenset({S.ANSWERED, S.CLOSED}), S.IN_PROGRESS, CENTER_STAFF | {R.APPLICANT}
        ),
    ]
}


ACTION_LABELS = {
    "take": _("take into work"),
    "answer": _("answer"),
    "escalate": _("escalate to an authority"),
    "reassign": _("reassign to another authority"),
    "assign": _("assign to an operator"),
    "authority_answer": _("authority's answer"),
    "decline": _("return as not our competence"),
    "send_back": _("send the answer back"),
    "authority_query": _("ask the contact center a question"),
    "authority_query_reply": _("reply to the authority's question"),
    "ask_clarification": _("ask for a clarification"),
    "clarify": _("clarify"),
    "close": _("close"),
    "reopen": _("reopen"),
}


def applicant_may_add_information(status: str) -> bool:
    """The applicant adds to their request until it is closed; then reopening is the way back."""
    return status != S.CLOSED


def allowed_actions(*, status: str, role: str) -> list[str]:
    """The actions a user of this role could take on a request in this status."""
    return [t.action for t in TRANSITIONS.values() if status in t.sources and role in t.roles]
