"""Commands of the relocation service: bind a resident to a flat, order, reschedule, cancel,
the dispatcher's steps, and a question to the contact center from an order.

Capacity is taken and given back in the order's own transaction by conditional updates of one
``Capacity`` row per (district, day, window): the database decides who gets the last place.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from stroydesk.accounts.models import User
from stroydesk.cases.intake import Intake, register_request
from stroydesk.core.errors import Refused
from stroydesk.directory import selectors as directory
from stroydesk.relocation import rules, steps
from stroydesk.relocation.lifecycle import CREATE
from stroydesk.relocation.models import (
    Capacity,
    Crew,
    Household,
    Order,
    OrderRequest,
    SpecialItem,
    Window,
)
from stroydesk.workcalendar.selectors import moscow_date

PHONE = re.compile(r"^\+7\d{10}$")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from paper
SPECIAL_ITEMS = tuple(SpecialItem.values)
QUESTION_TOPIC = "moving-help"


# --- Binding code ----------------------------------------------------------------------------


def _normal_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def code_hash(code: str) -> str:
    """Keyed hash of a binding code: a stolen table does not give the codes away."""
    return salted_hmac("stroydesk.relocation.code", _normal_code(code)).hexdigest()


def new_code() -> str:
    """A fresh code as printed: XXXX-XXXX (32⁸ ≈ 10¹² values, attempt-limited)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


@transaction.atomic
def household_issue_code(*, household: Household) -> str:
    """Give the household a new one-time code (the old one stops working); shown once."""
    code = new_code()
    Household.objects.filter(pk=household.pk).update(code_hash=code_hash(code), code_attempts=0)
    household.code_hash, household.code_attempts = code_hash(code), 0
    return code


def household_bind(*, user: User, old_building_id: int, flat: str, code: str) -> Household:
    """Bind a resident's account to the flat whose record carries ``code``; once per code.

    Each try counts against the household (committed even though a wrong code fails the call:
    no transaction around it) and after the limit the code is locked until a new one is issued
    at the information center.
    """
    if user.role != User.Role.APPLICANT:
        raise PermissionDenied(_("Only a resident's account is bound to a flat."))
    wrong = ValidationError({"code": [_("No such flat, or the code does not match.")]})
    household = Household.objects.filter(
        old_building_id=old_building_id, old_flat=(flat or "").strip()
    ).first()
    if household is None or not household.code_hash:
        raise wrong
    # Every try spends one of the household's attempts by a conditional update (parallel
    # guesses cannot all slip under the limit); a success resets the count.
    spent = Household.objects.filter(
        pk=household.pk, code_attempts__lt=rules.code_attempts_limit()
    ).update(code_attempts=F("code_attempts") + 1)
    if spent != 1:
        raise ValidationError(
            {"code": [_("Too many wrong codes. Ask the information center for a new one.")]}
        )
    if not constant_time_compare(household.code_hash, code_hash(code)):
        raise wrong
    try:
        with transaction.atomic():
            bound = Household.objects.filter(
                pk=household.pk, resident__isnull=True, code_hash=household.code_hash
            ).update(resident=user, bound_at=timezone.now(), code_hash="", code_attempts=0)
    except IntegrityError:
        raise ValidationError(
            {"code": [_("Your account is bound to another flat already.")]}
        ) from None
    if bound != 1:
        raise wrong
    household.refresh_from_db()
    return household


# --- Capacity --------------------------------------------------------------------------------


def _crews(district: str) -> int:
    return Crew.objects.filter(district=district, is_active=True).count()


def capacity_take(*, district: str, day: date, window: str) -> None:
    """Take one place of the district's window, or refuse when none is left.

    The row is created on first use with one place per active crew (a concurrent creator loses
    the unique constraint and reads the winner's row); the place itself is a conditional update.
    """
    crews = _crews(district)
    if crews == 0:
        raise Refused(_("No crews work in this district on that day."))
    row, _created = Capacity.objects.get_or_create(
        district=district, date=day, window=window, defaults={"total": crews}
    )
    taken = Capacity.objects.filter(pk=row.pk, used__lt=F("total")).update(used=F("used") + 1)
    if taken != 1:
        raise Refused(_("This window is full. Choose another day or window."))


def capacity_release(*, district: str, day: date, window: str) -> None:
    """Give one place back (cancel, reschedule)."""
    Capacity.objects.filter(district=district, date=day, window=window, used__gt=0).update(
        used=F("used") - 1
    )


def capacity_follow_crews(*, district: str, today: date | None = None) -> int:
    """After crews of a district change: the district's coming windows get one place per active
    crew, never fewer than taken already (those orders stay). The number of rows changed."""
    today = today or moscow_date(timezone.now())
    crews = _crews(district)
    grow = Capacity.objects.filter(district=district, date__gt=today).exclude(total=crews)
    changed = grow.filter(used__lte=crews).update(total=crews)
    return changed + grow.filter(used__gt=crews).update(total=F("used"))


# --- Orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderDetails:
    """What the family says about the move: the load, the floors, who meets the crew."""

    rooms: int
    floor_from: int
    floor_to: int
    lift_from: bool
    lift_to: bool
    contact_phone: str
    contact_name: str = ""
    volume_m3: int | None = None
    special_items: list[str] = field(default_factory=list)


def _check_details(details: OrderDetails) -> None:
    errors: dict[str, list[str]] = {}
    if not 1 <= details.rooms <= 10:
        errors["rooms"] = [_("From 1 to 10 rooms.")]
    for name in ("floor_from", "floor_to"):
        if not -3 <= getattr(details, name) <= 100:
            errors[name] = [_("A floor from -3 to 100.")]
    if details.volume_m3 is not None and not 1 <= details.volume_m3 <= 200:
        errors["volume_m3"] = [_("A volume from 1 to 200 m³.")]
    if not PHONE.match(details.contact_phone or ""):
        errors["contact_phone"] = [_("A phone as +7XXXXXXXXXX.")]
    unknown = set(details.special_items) - set(SPECIAL_ITEMS)
    if unknown:
        errors["special_items"] = [
            _("Unknown items: %(items)s.") % {"items": ", ".join(sorted(unknown))}
        ]
    if errors:
        raise ValidationError(errors)


def check_day(*, household: Household, day: date, window: str, today: date) -> None:
    """The day must be in the family's window, a service day, and not earlier than tomorrow."""
    if window not in Window.values:
        raise ValidationError({"window": [_("Choose one of the time windows.")]})
    if day <= today:
        raise ValidationError({"date": [_("Orders are taken from tomorrow on.")]})
    if not household.window_start <= day <= household.window_end:
        raise ValidationError(
            {
                "date": [
                    _("Your move window is %(start)s – %(end)s.")
                    % {
                        "start": household.window_start.strftime("%d.%m.%Y"),
                        "end": household.window_end.strftime("%d.%m.%Y"),
                    }
                ]
            }
        )
    if not rules.service_runs_on(day):
        raise ValidationError({"date": [_("The service does not run on this day.")]})


def _check_sequence(household: Household, kind: str, day: date, exclude: int | None = None) -> None:
    """Packing materials come before the move (on the same day at the latest)."""
    live = Order.objects.filter(household=household, status__in=Order.ACTIVE)
    if exclude is not None:
        live = live.exclude(pk=exclude)
    if kind == Order.Kind.MATERIALS and live.filter(kind=Order.Kind.MOVE, date__lt=day).exists():
        raise ValidationError({"date": [_("Packing materials come before the move day.")]})
    if kind == Order.Kind.MOVE and live.filter(kind=Order.Kind.MATERIALS, date__gt=day).exists():
        raise ValidationError({"date": [_("The move cannot come before the packing materials.")]})


def _check_open(household: Household, today: date) -> None:
    if household.contract_signed_on > today:
        raise Refused(_("The service opens when the contract for the new flat is signed."))
    if Order.objects.filter(
        household=household,
        kind=Order.Kind.MOVE,
        status__in=[Order.Status.MOVED, Order.Status.CLOSED],
    ).exists():
        raise Refused(_("The family has moved already; no more orders."))


@transaction.atomic
def order_create(
    *,
    by: User,
    kind: str,
    day: date,
    window: str,
    details: OrderDetails,
    today: date | None = None,
) -> Order:
    """Order the move or the materials for the caller's family: one place of the day taken."""
    household = Household.objects.filter(resident=by).select_related("old_building").first()
    if household is None:
        raise PermissionDenied(_("Bind your account to your flat first."))
    if kind not in Order.Kind.values:
        raise ValidationError({"kind": [_("Choose move or materials.")]})
    today = today or moscow_date(timezone.now())
    _check_details(details)
    check_day(household=household, day=day, window=window, today=today)
    _check_open(household, today)
    _check_sequence(household, kind, day)
    district = household.old_building.district
    capacity_take(district=district, day=day, window=window)
    now = timezone.now()
    try:
        with transaction.atomic():
            order = Order.objects.create(
                household=household,
                kind=kind,
                date=day,
                window=window,
                district=district,
                rooms=details.rooms,
                volume_m3=details.volume_m3,
                floor_from=details.floor_from,
                floor_to=details.floor_to,
                lift_from=details.lift_from,
                lift_to=details.lift_to,
                special_items=sorted(set(details.special_items)),
                contact_name=details.contact_name.strip(),
                contact_phone=details.contact_phone,
                created_by=by,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        raise Refused(
            _("You have a live order of this kind already; reschedule or cancel it.")
        ) from None
    order.household = household
    steps.record(
        order, action=CREATE, by=by, at=now, data={"date": day.isoformat(), "window": window}
    )
    return order


def _not_on_the_day(order: Order, today: date) -> None:
    if order.date <= today:
        raise Refused(_("Changes are accepted until the day before the order's date."))


@transaction.atomic
def order_cancel(*, order: Order, by: User, today: date | None = None) -> Order:
    """Cancel a live order, at the latest the day before; its place goes back."""
    today = today or moscow_date(timezone.now())
    steps.actor_of(order, by)
    _not_on_the_day(order, today)
    steps.move(order, action="cancel", by=by, fields={"crew": None})
    capacity_release(district=order.district, day=order.date, window=order.window)
    return order


@transaction.atomic
def order_reschedule(
    *, order: Order, by: User, day: date, window: str, today: date | None = None
) -> Order:
    """Move a live order to another day/window (up to the limit, until the day before)."""
    today = today or moscow_date(timezone.now())
    steps.actor_of(order, by)
    _not_on_the_day(order, today)
    if order.reschedules >= rules.max_reschedules():
        raise Refused(
            _("The order was rescheduled %(n)s times already; that is the limit.")
            % {"n": order.reschedules}
        )
    if (day, window) == (order.date, order.window):
        raise ValidationError({"date": [_("Choose another day or window.")]})
    check_day(household=order.household, day=day, window=window, today=today)
    _check_sequence(order.household, order.kind, day, exclude=order.pk)
    old_day, old_window = order.date, order.window
    capacity_take(district=order.district, day=day, window=window)
    steps.move(
        order,
        action="reschedule",
        by=by,
        fields={"date": day, "window": window, "crew": None, "reschedules": F("reschedules") + 1},
        data={"from_date": old_day.isoformat(), "from_window": old_window},
    )
    capacity_release(district=order.district, day=old_day, window=old_window)
    return order


@transaction.atomic
def order_confirm(*, order: Order, by: User, crew: Crew | None = None) -> Order:
    """Confirm an order and give it a crew of its district free in that window (the
    dispatcher's choice, or the first free one): a crew's window is unique in the database."""
    candidates = (
        [crew]
        if crew is not None
        else list(Crew.objects.filter(district=order.district, is_active=True).order_by("name"))
    )
    for candidate in candidates:
        if candidate.district != order.district or not candidate.is_active:
            raise ValidationError({"crew": [_("The crew does not work in this district.")]})
        try:
            with transaction.atomic():
                steps.move(order, action="confirm", by=by, fields={"crew": candidate})
        except IntegrityError:
            continue
        return order
    raise Refused(_("No crew of the district is free in this window."))


@transaction.atomic
def order_step(*, order: Order, by: User, action: str) -> Order:
    """The dispatcher's plain steps: materials delivered, moved, closed."""
    if action not in {"deliver", "move", "close"}:
        raise ValidationError({"action": [_("Unknown step.")]})
    steps.move(order, action=action, by=by)
    return order


# --- A question from an order ----------------------------------------------------------------


@transaction.atomic
def order_ask(*, order: Order, by: User, subject: str, text: str) -> OrderRequest:
    """Open a contact-center request about the order, on the renovation topic «moving help».

    It is left to the operator, whose card suggests the topic's competent authority (the
    Renovation Fund): a resident may not escalate, and the operator often answers at once.
    """
    if steps.actor_of(order, by) != "resident":
        raise PermissionDenied(_("Only the family asks about its order."))
    if not (text or "").strip():
        raise ValidationError({"text": [_("Write your question.")]})
    topic = directory.topic_list().filter(code=QUESTION_TOPIC).first()
    household = order.household
    request = register_request(
        intake=Intake(
            channel="portal",
            subject=(subject or "").strip()
            or _("Question about relocation order %(id)s") % {"id": order.pk},
            text=(text or "").strip()
            + "\n\n"
            + _("Order %(id)s: %(kind)s on %(date)s, %(window)s; flat %(flat)s.")
            % {
                "id": order.pk,
                "kind": order.get_kind_display(),
                "date": order.date.strftime("%d.%m.%Y"),
                "window": order.window,
                "flat": str(household),
            },
            topic=topic,
            address=household.old_building.address,
        ),
        by=by,
    )
    return OrderRequest.objects.create(request_id=request.pk, order=order, number=request.number)
