"""The order state machine: which action moves an order of which kind from which status to
which, and who may take it. Pure data; ``relocation.steps`` applies it, ``relocation.services``
calls it.

    ordered ─confirm→ confirmed ─deliver→ materials_delivered ─close→ closed   (materials)
                                ─move───→ moved ──────────────close→ closed    (move)
    ordered, confirmed ─cancel→ cancelled;  ─reschedule→ ordered (a new day, to confirm again)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stroydesk.relocation.models import Order

S = Order.Status
K = Order.Kind

RESIDENT = "resident"
DISPATCHER = "dispatcher"
BOTH_KINDS = frozenset(K.values)


@dataclass(frozen=True)
class Transition:
    """An action on an order: from which statuses, to which, for which kinds, by whom."""

    action: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    kinds: frozenset[str] = BOTH_KINDS
    releases_place: bool = False  # gives the day's place back to the district


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("confirm", frozenset({S.ORDERED}), S.CONFIRMED, frozenset({DISPATCHER})),
        Transition(
            "deliver",
            frozenset({S.CONFIRMED}),
            S.MATERIALS_DELIVERED,
            frozenset({DISPATCHER}),
            kinds=frozenset({K.MATERIALS}),
        ),
        Transition(
            "move",
            frozenset({S.CONFIRMED}),
            S.MOVED,
            frozenset({DISPATCHER}),
            kinds=frozenset({K.MOVE}),
        ),
        Transition(
            "close",
            frozenset({S.MATERIALS_DELIVERED, S.MOVED}),
            S.CLOSED,
            frozenset({DISPATCHER}),
        ),
        Transition(
            "cancel",
            frozenset({S.ORDERED, S.CONFIRMED}),
            S.CANCELLED,
            frozenset({RESIDENT, DISPATCHER}),
            releases_place=True,
        ),
        Transition(
            "reschedule",
            frozenset({S.ORDERED, S.CONFIRMED}),
            S.ORDERED,
            frozenset({RESIDENT, DISPATCHER}),
            releases_place=True,
        ),
    ]
}

# The first row of every order's history; not a transition (there is no status before it).
CREATE = "create"

ACTION_LABELS = {
    CREATE: _("ordered"),
    "confirm": _("confirm"),
    "deliver": _("materials delivered"),
    "move": _("moved"),
    "close": pgettext_lazy("relocation", "close"),
    "cancel": _("cancel"),
    "reschedule": _("reschedule"),
}

# What happened, for the family's letters and the order's history.
EVENT_LABELS = {
    CREATE: _("order placed"),
    "confirm": _("confirmed by the dispatcher"),
    "deliver": _("packing materials delivered"),
    "move": _("move done"),
    "close": _("order closed"),
    "cancel": _("order cancelled"),
    "reschedule": _("moved to another day"),
}

# Dispatcher's buttons in the order in which the work goes.
DISPATCH_ACTIONS = ("confirm", "deliver", "move", "close", "cancel")


def allowed_actions(*, order: Order, actor: str) -> list[str]:
    """The actions this kind of actor could take on the order now."""
    return [
        t.action
        for t in TRANSITIONS.values()
        if order.status in t.sources and actor in t.actors and order.kind in t.kinds
    ]
