"""Who is told what: the one table of the contact center's letters.

A row is keyed by what happened (a request's history action, published by ``cases.steps``, or
an event of the SLA watch) and says which letter goes to whom, and whether it answers the
applicant's own e-mails (their thread) or is a staff letter. ``letters.py`` carries it out.

The rows added with the notifications part, as a real center works: the operator in charge hears
of the authority's answer (to review it), of a return as "not our competence" (to answer or
escalate again); the authority's specialists hear when their answer is sent back to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class To(StrEnum):
    """Who a letter goes to, as far as it can be said before looking at the request."""

    APPLICANT = "applicant"  # the applicant's e-mail, if they gave one
    OPERATOR = "operator"  # the operator in charge, if active and not the one who acted
    REVIEWER = "reviewer"  # the operator in charge; without one, the supervisors
    AUTHORITY = "authority"  # the active specialists of the request's authority
    AUTHORITY_OF_ROW = (
        "authority_of_row"  # the same, only if the row came during the open escalation
    )
    SUPERVISORS = "supervisors"  # every active supervisor


@dataclass(frozen=True)
class Rule:
    """One letter: its event (also the log's event and the template ``emails/request_<event>``),
    its audience, and whether it is written into the applicant's e-mail thread."""

    event: str
    to: To
    thread: bool = False

    @property
    def template(self) -> str:
        return f"emails/request_{self.event}"


# History action → the letters it causes. An action not listed tells nobody.
REQUEST_RULES: dict[str, tuple[Rule, ...]] = {
    "register": (Rule("registered", To.APPLICANT, thread=True),),
    "answer": (Rule("answered", To.APPLICANT, thread=True),),
    "ask_clarification": (Rule("clarification_needed", To.APPLICANT, thread=True),),
    "escalate": (Rule("escalated", To.AUTHORITY),),
    "reassign": (Rule("escalated", To.AUTHORITY),),
    "assign": (Rule("assigned", To.OPERATOR),),
    "authority_query": (Rule("authority_query", To.OPERATOR),),
    "authority_query_reply": (Rule("authority_query_replied", To.AUTHORITY),),
    "message": (
        Rule("information_added", To.OPERATOR),
        Rule("information_added", To.AUTHORITY_OF_ROW),
    ),
    "authority_answer": (Rule("authority_answered", To.REVIEWER),),
    "decline": (Rule("declined", To.REVIEWER),),
    "send_back": (Rule("sent_back", To.AUTHORITY),),
}

# The SLA watch (``cases.sla``): each escalation marked once, the letters follow from here.
DUE_SOON = Rule("due_soon", To.AUTHORITY)
OVERDUE = Rule("overdue", To.SUPERVISORS)

# Where each audience reads the request.
LINKS = {
    To.OPERATOR: "portal:desk_card",
    To.REVIEWER: "portal:desk_card",
    To.AUTHORITY: "portal:authority_card",
    To.AUTHORITY_OF_ROW: "portal:authority_card",
    To.SUPERVISORS: "portal:desk_card",
}
