"""The machinery of a booking's steps, shared by the commands in ``services.py``.

A step is one transaction: the check of who may take it (``check_actor``), a compare-and-set on
the booking's status and version (``move``: two hands at once, exactly one wins, the other gets
``ConcurrentChange``) and one ``BookingHistory`` row (``record``). Holding time is ``hold``:
the booking's grid steps and places of limits inserted under unique constraints, so that the
database, not a check before the write, refuses a second booking of the same time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from stroydesk.accounts.models import User
from stroydesk.consultations.lifecycle import ACTION_LABELS, LINK, TRANSITIONS
from stroydesk.consultations.models import Booking, BookingHistory, Claim, Format, SlotUnit
from stroydesk.consultations.slots import (
    MOSCOW,
    expert_resource,
    expert_span,
    quota_key,
    room_resource,
    steps,
)
from stroydesk.core.errors import ConcurrentChange, Refused


class TransitionNotAllowed(Refused):
    """The booking's status (or the time) does not allow the step (HTTP 409)."""


class BookingConcurrentChange(TransitionNotAllowed, ConcurrentChange):
    """Someone else changed the booking first (HTTP 409)."""


class Held(Refused):
    """What the booking needs is held by another booking, or a limit is reached (HTTP 409).
    ``stage`` says which: expert, room, quota, applicant, organisation."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


HELD_MESSAGES = {
    "expert": gettext_lazy(
        "The expert is already booked at this time (or in the buffer around it)."
    ),
    "room": gettext_lazy("The room is already taken at this time."),
    "quota": gettext_lazy(
        "The expert's consultations of this subject are fully booked on that day."
    ),
    "applicant": gettext_lazy(
        "You already have the most upcoming bookings of this subject allowed."
    ),
    "organisation": gettext_lazy(
        "Your organisation already has the most upcoming bookings of this subject allowed."
    ),
}


def held_message(stage: str) -> str:
    return str(HELD_MESSAGES[stage])


def actor_of(by: User | None) -> str:
    return LINK if by is None else by.role


def check_actor(booking: Booking, action: str, by: User | None) -> None:
    """Refuse a role that may not take the step, an applicant on another's booking, a member
    of staff other than the booking's expert (a supervisor or administrator may act for them);
    ``by`` None is the holder of the booking's personal link."""
    transition = TRANSITIONS[action]
    if actor_of(by) not in transition.actors:
        raise PermissionDenied(pgettext("consultations", "Your role does not allow this action."))
    if by is None:
        return
    if by.role == User.Role.APPLICANT and booking.booked_by_id != by.pk:
        raise PermissionDenied(_("This is not your booking."))
    if by.role == User.Role.OPERATOR and booking.expert.user_id != by.pk:
        raise PermissionDenied(_("This is another expert's consultation."))


def move(
    booking: Booking,
    *,
    action: str,
    by: User | None,
    at: datetime | None = None,
    fields: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Booking:
    """Check and apply one step by compare-and-set, and record it in the history."""
    transition = TRANSITIONS[action]
    check_actor(booking, action, by)
    at = at or timezone.now()
    source = booking.status
    if source not in transition.sources:
        raise TransitionNotAllowed(
            _("The action «%(action)s» is not possible for a booking in status «%(status)s».")
            % {"action": ACTION_LABELS[action], "status": Booking.Status(source).label}
        )
    if transition.after_start and at < booking.start:
        raise TransitionNotAllowed(_("The consultation has not begun yet."))
    if transition.before_start and at >= booking.start:
        raise TransitionNotAllowed(_("The consultation has already begun."))
    fields = fields or {}
    changed = Booking.objects.filter(pk=booking.pk, status=source, version=booking.version).update(
        status=transition.target, version=F("version") + 1, **fields
    )
    if changed != 1:
        raise BookingConcurrentChange(_("The booking was changed a moment ago; reload it."))
    booking.status = transition.target
    booking.version += 1
    for name, value in fields.items():
        setattr(booking, name, value)
    record(booking, action=action, by=by, at=at, source=source, data=data)
    return booking


def record(
    booking: Booking,
    *,
    action: str,
    by: User | None,
    at: datetime,
    source: str = "",
    data: dict[str, Any] | None = None,
) -> BookingHistory:
    """Append one history row (the only way rows are written)."""
    return BookingHistory.objects.create(
        booking=booking,
        action=action,
        actor=by,
        at=at,
        from_status=source,
        to_status=booking.status,
        data=data or {},
    )


def hold(booking: Booking, *, limits: bool) -> None:
    """Insert what the booking holds: the day's quota place, the expert's steps (meeting and
    buffers), the room's steps, and with ``limits`` the applicant's and organisation's places.
    Raises ``Held`` naming the first thing another booking holds; the caller's transaction
    must then be rolled back (on PostgreSQL it is unusable after the failed insert)."""
    subject = booking.subject
    # The expert's and room's steps first: racers for one slot fail there at once, and only
    # bookings of different times go on to share the places of the limits.
    lo, hi = expert_span(subject, booking.start)
    units = [
        SlotUnit(booking=booking, resource=expert_resource(booking.expert_id), start=t)
        for t in steps(lo, hi)
    ]
    insert_units(units, "expert")
    if booking.format == Format.IN_PERSON and booking.room_id:
        room = room_resource(booking.room_id)
        insert_units(
            [
                SlotUnit(booking=booking, resource=room, start=t)
                for t in steps(booking.start, booking.end)
            ],
            "room",
        )
    day = booking.start.astimezone(MOSCOW).date()
    claim(booking, "quota", quota_key(booking.expert_id, subject.pk, day), subject.daily_quota)
    if limits:
        claim(
            booking,
            "applicant",
            f"applicant:{booking.applicant_id}:{subject.pk}",
            subject.max_active_per_applicant,
        )
        if booking.inn:
            claim(
                booking,
                "organisation",
                f"inn:{booking.inn}:{subject.pk}",
                subject.max_active_per_organisation,
            )


def insert_units(units: list[SlotUnit], stage: str) -> None:
    # No savepoint: a conflict ends the whole booking, whose transaction the raised Held rolls
    # back (a savepoint would cost two more round trips on every booking).
    try:
        SlotUnit.objects.bulk_create(units)
    except IntegrityError as exc:
        raise Held(stage, held_message(stage)) from exc


def claim(booking: Booking, stage: str, key: str, limit: int) -> None:
    """Take a free place 1..limit of ``key``; the unique constraint on (key, place) decides, the
    places seen taken are only a hint of which to try first."""
    taken = set(Claim.objects.filter(key=key).values_list("ordinal", flat=True))
    free = [n for n in range(1, limit + 1) if n not in taken]
    # In random order: bookings of different times at once would otherwise all try the same
    # place first and wait for each other's commits one after another.
    random.shuffle(free)
    for ordinal in free:
        try:
            with transaction.atomic():
                Claim.objects.create(booking=booking, key=key, ordinal=ordinal)
            return
        except IntegrityError:
            continue  # taken a moment ago by another booking: try the next place
    raise Held(stage, held_message(stage))


def release(booking: Booking, *, time: bool, limits: bool) -> None:
    """Give back what the booking holds: its time (steps and the day's quota) and/or its
    places among the applicant's and organisation's active bookings."""
    if time:
        SlotUnit.objects.filter(booking=booking).delete()
        Claim.objects.filter(booking=booking, key__startswith="quota:").delete()
    if limits:
        Claim.objects.filter(booking=booking).exclude(key__startswith="quota:").delete()


def meeting_end(booking: Booking) -> datetime:
    return booking.start + timedelta(minutes=booking.subject.duration_minutes)
