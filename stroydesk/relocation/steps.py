"""The machinery of one step of an order, shared by the commands in ``relocation.services``.

A step checks who acts (the family's resident or a dispatcher), applies the transition by a
compare-and-set on the order's status and version (two dispatchers at once: exactly one wins,
the other gets ``ConcurrentChange``), appends one history row and tells the family by e-mail
and text message, keyed by that row so that each change is told once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stroydesk.accounts.models import User
from stroydesk.core.errors import ConcurrentChange, Refused
from stroydesk.notifications.services import letter_send, site_link, sms_send
from stroydesk.relocation.lifecycle import (
    ACTION_LABELS,
    DISPATCHER,
    EVENT_LABELS,
    RESIDENT,
    TRANSITIONS,
)
from stroydesk.relocation.models import Dispatcher, Order, OrderHistory

STAFF_DISPATCHERS = frozenset({User.Role.SUPERVISOR, User.Role.ADMIN})


class TransitionNotAllowed(Refused):
    """The order's status or kind does not allow the action (HTTP 409)."""


def may_dispatch(user: User) -> bool:
    """Supervisors and administrators, and staff with an active dispatcher profile."""
    if not user.is_authenticated:
        return False
    if user.role in STAFF_DISPATCHERS:
        return True
    if user.role == User.Role.APPLICANT:
        return False
    return Dispatcher.objects.filter(user=user, is_active=True).exists()


def actor_of(order: Order, user: User) -> str:
    """In which capacity the user acts on the order, or PermissionDenied."""
    if user.role == User.Role.APPLICANT and order.household.resident_id == user.pk:
        return RESIDENT
    if may_dispatch(user):
        return DISPATCHER
    raise PermissionDenied(_("This is not your order."))


def move(
    order: Order,
    *,
    action: str,
    by: User,
    at: datetime | None = None,
    fields: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> OrderHistory:
    """Check and apply one transition by compare-and-set; record and tell it."""
    transition = TRANSITIONS[action]
    if actor_of(order, by) not in transition.actors:
        raise PermissionDenied(_("Only a dispatcher may take this step."))
    source = order.status
    if source not in transition.sources or order.kind not in transition.kinds:
        raise TransitionNotAllowed(
            _("The step «%(action)s» is not possible for an order in status «%(status)s».")
            % {"action": ACTION_LABELS[action], "status": Order.Status(source).label}
        )
    at = at or timezone.now()
    fields = fields or {}
    changed = Order.objects.filter(pk=order.pk, status=source, version=order.version).update(
        status=transition.target, version=F("version") + 1, updated_at=at, **fields
    )
    if changed != 1:
        raise ConcurrentChange(_("The order was changed by someone else; reload it."))
    order.refresh_from_db()
    return record(order, action=action, by=by, at=at, from_status=source, data=data)


def record(
    order: Order,
    *,
    action: str,
    by: User | None,
    at: datetime,
    from_status: str = "",
    data: dict[str, Any] | None = None,
) -> OrderHistory:
    """Append one history row and tell the family about it."""
    row = OrderHistory.objects.create(
        order=order,
        action=action,
        actor=by,
        at=at,
        from_status=from_status,
        to_status=order.status,
        data=data or {},
    )
    tell(order, row)
    return row


def tell(order: Order, row: OrderHistory) -> None:
    """A letter and a text message about one step, each once (keyed by the history row)."""
    household = order.household
    resident = household.resident
    key = f"relocation-{row.action}:{order.pk}:{row.pk}"
    label = EVENT_LABELS[row.action]
    letter_send(
        key=key,
        to=dict.fromkeys([household.email, resident.email if resident else ""]),
        template="emails/relocation_order",
        context={
            "order": order,
            "action": label,
            "household": household,
            "link": site_link("relocation:order", order.pk),
        },
        event=f"relocation-{row.action}",
    )
    texts = []
    for language in ("ru", "en"):
        with translation.override(language):
            texts.append(
                _("Order %(id)s (%(kind)s, %(date)s %(window)s): %(action)s, now «%(status)s».")
                % {
                    "id": order.pk,
                    "kind": order.get_kind_display(),
                    "date": order.date.strftime("%d.%m.%Y"),
                    "window": order.window,
                    "action": label,
                    "status": order.get_status_display(),
                }
            )
    sms_send(key=key, phone=order.contact_phone or household.phone, text=" / ".join(texts))
