"""The booking state machine: which step moves a booking from which status to which, and who
may take it. Pure data; ``steps.py`` applies it by compare-and-set with a history row."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stroydesk.accounts.models import User
from stroydesk.consultations.models import Booking

S = Booking.Status
R = User.Role

STAFF = frozenset({R.OPERATOR, R.SUPERVISOR, R.ADMIN})
# ``LINK`` stands for the holder of the booking's signed personal link (no signed-in user).
LINK = "link"


@dataclass(frozen=True)
class Transition:
    """A step of a booking: the statuses it starts from, where it leads, who may take it."""

    action: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    after_start: bool = False  # only once the meeting has begun (outcome, no-show)
    before_start: bool = False  # only before it begins (a missed meeting stays a no-show)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "cancel",
            frozenset({S.BOOKED}),
            S.CANCELLED,
            STAFF | {R.APPLICANT, LINK},
            before_start=True,
        ),
        Transition(
            "reschedule",
            frozenset({S.BOOKED}),
            S.BOOKED,
            STAFF | {R.APPLICANT, LINK},
            before_start=True,
        ),
        Transition(
            "details", frozenset({S.BOOKED}), S.BOOKED, frozenset({R.APPLICANT}), before_start=True
        ),
        Transition("complete", frozenset({S.BOOKED}), S.DONE, STAFF, after_start=True),
        Transition("no_show", frozenset({S.BOOKED}), S.NO_SHOW, STAFF, after_start=True),
    ]
}

ACTION_LABELS = {
    "book": _("book"),
    "cancel": pgettext_lazy("consultations", "cancel"),
    "reschedule": pgettext_lazy("consultations", "reschedule"),
    "details": _("add details"),
    "complete": _("record the outcome"),
    "no_show": _("mark a no-show"),
}


def allowed_actions(*, status: str, actor: str) -> list[str]:
    """The steps an actor (a role or ``LINK``) could take on a booking in this status."""
    return [t.action for t in TRANSITIONS.values() if status in t.sources and actor in t.actors]
