"""Commands on consultations: book, reschedule, cancel, add details, record the outcome, mark a
no-show, and the reminder job's work.

Booking never checks "is it free?" and then writes: it inserts what the meeting holds (the
expert's and room's grid steps, the places of the limits) under unique constraints inside one
transaction, and a second booking of the same time fails on the insert (``steps.hold``). What is
checked before is the rules (hours, days off, notice), which no other booking can change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.accounts import services as accounts
from stroydesk.accounts.models import Applicant, User
from stroydesk.cases import selectors as cases_selectors
from stroydesk.cases import services as cases
from stroydesk.cases.intake import Intake, register_request
from stroydesk.cases.models import Request
from stroydesk.consultations import letters
from stroydesk.consultations.models import Booking, Claim, Expert, Format, Subject
from stroydesk.consultations.slots import (
    MOSCOW,
    Rules,
    Slot,
    experts_for,
    next_free_slots,
)
from stroydesk.consultations.steps import (
    BookingConcurrentChange,
    Held,
    TransitionNotAllowed,
    check_actor,
    held_message,
    hold,
    move,
    record,
    release,
)
from stroydesk.core.errors import Refused

__all__ = [
    "BookingConcurrentChange",
    "SlotTaken",
    "TransitionNotAllowed",
    "booking_add_details",
    "booking_cancel",
    "booking_complete",
    "booking_create",
    "booking_mark_no_show",
    "booking_reschedule",
    "reminders_send",
]

SERVED_LIMITS = ("applicant", "organisation")


class SlotTaken(Refused):
    """The time is held by another booking or a limit is reached (HTTP 409), with the next free
    slots to offer instead."""

    def __init__(self, message: str, stage: str, alternatives: list[Slot] | None = None) -> None:
        super().__init__(message)
        self.stage = stage
        self.alternatives = alternatives or []


@dataclass(frozen=True)
class Details:
    """What the applicant brings to the meeting: the question, a plan, one of their requests."""

    question: str
    plan_id: int | None = None
    plan_url: str = ""
    request_id: int | None = None


def booking_create(
    *,
    by: User,
    subject: Subject,
    fmt: str,
    start: datetime,
    details: Details,
    expert: Expert | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book a consultation for the signed-in applicant; with no expert named, any expert of the
    subject free at that time. ValidationError for a time the rules never allow (past, day off,
    outside the hours…), ``SlotTaken`` when another booking holds it or a limit is reached."""
    if by.role != User.Role.APPLICANT:
        raise PermissionDenied(_("Consultations are booked by applicants."))
    now = now or timezone.now()
    fields = _details_fields(by=by, details=details)
    if not subject.is_active:
        raise ValidationError({"subject": [_("This subject is not offered.")]})
    if fmt not in subject.formats:
        raise ValidationError({"format": [_("This subject is not offered in this format.")]})
    if timezone.is_naive(start):
        raise ValidationError({"start": [_("Give the time with its UTC offset.")]})
    applicant = accounts.applicant_for_user(user=by)
    _check_no_shows(applicant=applicant, now=now)
    _check_limits(applicant=applicant, subject=subject)
    experts = _eligible(subject=subject, fmt=fmt, start=start, expert=expert, now=now)
    last: Held | None = None
    for candidate in experts:
        booking = Booking(
            subject=subject,
            expert=candidate,
            format=fmt,
            room=candidate.room if fmt == Format.IN_PERSON else None,
            applicant=applicant,
            booked_by=by,
            inn=applicant.inn if applicant.kind == Applicant.Kind.DEVELOPER else "",
            start=start,
            end=start + timedelta(minutes=subject.duration_minutes),
            code=secrets.token_hex(8),
            **fields,
        )
        if fmt == Format.ONLINE:
            booking.meeting_url = settings.CONSULTATIONS_MEETING_URL.format(code=booking.code)
        try:
            with transaction.atomic():
                booking.save(force_insert=True)
                hold(booking, limits=True)
                record(booking, action="book", by=by, at=now, data={"start": start.isoformat()})
                letters.booked(booking)
        except Held as exc:
            last = exc
            if exc.stage in SERVED_LIMITS:
                break
            continue
        return booking
    assert last is not None
    raise SlotTaken(
        str(last), last.stage, next_free_slots(subject=subject, fmt=fmt, after=start, now=now)
    )


def booking_reschedule(
    *, booking: Booking, by: User | None, start: datetime, now: datetime | None = None
) -> Booking:
    """Move the booking to another time, with its expert if free then, else another expert of
    the subject. The old time is free the moment this commits; refused, nothing changes."""
    check_actor(booking, "reschedule", by)
    now = now or timezone.now()
    if timezone.is_naive(start):
        raise ValidationError({"start": [_("Give the time with its UTC offset.")]})
    if start == booking.start:
        raise ValidationError({"start": [_("The booking is already at this time.")]})
    experts = _eligible(
        subject=booking.subject, fmt=booking.format, start=start, expert=None, now=now
    )
    experts.sort(key=lambda e: e.pk != booking.expert_id)
    before = booking.start
    last: Held | None = None
    for candidate in experts:
        try:
            with transaction.atomic():
                moved = Booking.objects.select_related("subject", "applicant").get(pk=booking.pk)
                moved.version = booking.version
                moved.status = booking.status
                end = start + timedelta(minutes=booking.subject.duration_minutes)
                room = candidate.room if booking.format == Format.IN_PERSON else None
                move(
                    moved,
                    action="reschedule",
                    by=by,
                    at=now,
                    fields={
                        "start": start,
                        "end": end,
                        "expert": candidate,
                        "room": room,
                        "reminded_day_before": False,
                        "reminded_hour_before": False,
                    },
                    data={"from": before.isoformat(), "to": start.isoformat()},
                )
                release(moved, time=True, limits=False)
                hold(moved, limits=False)
                letters.rescheduled(moved)
        except Held as exc:
            last = exc
            continue
        return moved
    assert last is not None
    raise SlotTaken(
        str(last),
        last.stage,
        next_free_slots(subject=booking.subject, fmt=booking.format, after=start, now=now),
    )


def booking_cancel(*, booking: Booking, by: User | None, now: datetime | None = None) -> Booking:
    """Cancel a booking; its time and places are free for others the moment this commits."""
    now = now or timezone.now()
    with transaction.atomic():
        move(booking, action="cancel", by=by, at=now)
        release(booking, time=True, limits=True)
        letters.cancelled(booking)
    return booking


def booking_add_details(*, booking: Booking, by: User, details: Details) -> Booking:
    """The applicant adds to what the expert reads before the meeting."""
    check_actor(booking, "details", by)
    fields = _details_fields(by=by, details=details)
    with transaction.atomic():
        return move(
            booking,
            action="details",
            by=by,
            fields=fields,
            data={"plan": fields["plan_id"], "request": fields["request"] and fields["request"].pk},
        )


def booking_complete(
    *, booking: Booking, by: User, outcome: str, now: datetime | None = None
) -> Booking:
    """Record the outcome after the meeting. It becomes a closed request of the center (channel
    «consultation»: the question, and the outcome as the answer) so that the center's history
    and statistics count consultations."""
    check_actor(booking, "complete", by)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": [_("Write the outcome of the consultation.")]})
    now = now or timezone.now()
    with transaction.atomic():
        move(booking, action="complete", by=by, at=now, fields={"outcome": outcome})
        release(booking, time=False, limits=True)
        request = register_request(
            intake=Intake(
                channel=Request.Channel.CONSULTATION,
                subject=_("Consultation: %(title)s") % {"title": booking.subject.title},
                text=booking.question,
                topic=booking.subject.topic,
                registered_at=min(booking.start, now),
            ),
            by=booking.booked_by,
        )
        cases.request_take(request=request, by=by, at=now)
        cases.request_answer(request=request, by=by, text=outcome, at=now)
        cases.request_close(request=request, by=by, at=now)
        Booking.objects.filter(pk=booking.pk).update(outcome_request=request)
        booking.outcome_request = request
    return booking


def booking_mark_no_show(*, booking: Booking, by: User, now: datetime | None = None) -> Booking:
    """The applicant did not come; enough of these within the window stop their bookings."""
    now = now or timezone.now()
    with transaction.atomic():
        move(booking, action="no_show", by=by, at=now)
        release(booking, time=False, limits=True)
    return booking


def reminders_send(*, now: datetime | None = None) -> int:
    """Remind of consultations the day before and an hour before, once each (a flag set by
    compare-and-set before the letter, whose key also carries the start); give back the
    applicant's and organisation's places of meetings that have ended. Returns the letters."""
    now = now or timezone.now()
    sent = 0
    upcoming = Booking.objects.filter(status=Booking.Status.BOOKED, start__gt=now)
    for flag, ahead, kind in (
        ("reminded_hour_before", timedelta(hours=1), "hour"),
        ("reminded_day_before", timedelta(days=1), "day"),
    ):
        due = upcoming.filter(**{flag: False, "start__lte": now + ahead})
        for booking in due.select_related("subject", "expert__user", "room__office", "applicant"):
            with transaction.atomic():
                claimed = Booking.objects.filter(
                    pk=booking.pk, version=booking.version, **{flag: False}
                ).update(**{flag: True})
                if claimed != 1:
                    continue
                if kind == "day" and (
                    booking.start - now <= timedelta(hours=1)
                    or booking.created_at > booking.start - timedelta(days=1)
                ):
                    continue  # booked at short notice: the confirmation and the hour reminder
                sent += letters.reminder(booking, kind=kind)
    ended = Booking.objects.filter(status=Booking.Status.BOOKED, end__lte=now)
    Claim.objects.filter(booking__in=ended).exclude(key__startswith="quota:").delete()
    return sent


# --- Rules checked before the write -------------------------------------------------------


def _eligible(
    *, subject: Subject, fmt: str, start: datetime, expert: Expert | None, now: datetime
) -> list[Expert]:
    """The experts whose rules allow the time; ValidationError with the reason when none."""
    if expert is not None:
        if not expert.is_active or not expert.subjects.filter(pk=subject.pk).exists():
            raise ValidationError({"expert": [_("This expert does not consult on this subject.")]})
        experts = [expert]
    else:
        experts = experts_for(subject, fmt)
        if not experts:
            raise ValidationError({"format": [_("No expert consults on this subject so.")]})
    day = start.astimezone(MOSCOW).date()
    rules = Rules(subject=subject, fmt=fmt, experts=experts, first=day, last=day)
    reasons = {e.pk: rules.refusal(e, start, now=now) for e in experts}
    allowed = [e for e in experts if reasons[e.pk] is None]
    if not allowed:
        raise ValidationError({"start": [reasons[experts[0].pk]]})
    # Free ones first (a hint read before the write; the insert decides).
    allowed.sort(key=lambda e: not rules.is_free(e, start))
    return allowed


def _check_no_shows(*, applicant: Applicant, now: datetime) -> None:
    window = now - timedelta(days=settings.CONSULTATIONS_NO_SHOW_WINDOW_DAYS)
    missed = Booking.objects.filter(
        applicant=applicant, status=Booking.Status.NO_SHOW, start__gte=window
    ).count()
    if missed >= settings.CONSULTATIONS_NO_SHOW_LIMIT:
        raise Refused(
            _(
                "You missed %(count)d consultations within %(days)d days without cancelling: "
                "new bookings are possible only through the contact center's operator."
            )
            % {"count": missed, "days": settings.CONSULTATIONS_NO_SHOW_WINDOW_DAYS}
        )


def _check_limits(*, applicant: Applicant, subject: Subject) -> None:
    """An early, clear refusal when a limit is reached already (the constraint still decides)."""
    held = Claim.objects.filter(key=f"applicant:{applicant.pk}:{subject.pk}").count()
    if held >= subject.max_active_per_applicant:
        raise SlotTaken(held_message("applicant"), "applicant")


def _details_fields(*, by: User, details: Details) -> dict[str, Any]:
    question = (details.question or "").strip()
    if not question:
        raise ValidationError({"question": [_("State your question.")]})
    if len(question) > 5000:
        raise ValidationError({"question": [_("The question is too long (5000 characters).")]})
    if details.plan_url and details.plan_id is None:
        raise ValidationError({"plan_id": [_("Give the plan's number with its link.")]})
    attached = None
    if details.request_id is not None:
        try:
            attached = cases_selectors.request_get_for(user=by, pk=details.request_id)
        except Http404:
            raise ValidationError(
                {"request": [_("You have no request with this number.")]}
            ) from None
    return {
        "question": question,
        "plan_id": details.plan_id,
        "plan_url": details.plan_url or "",
        "request": attached,
    }
