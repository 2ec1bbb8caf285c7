"""Queries of consultations: what a user may see, agendas, the supervisors' rates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from stroydesk.accounts.models import User
from stroydesk.consultations.links import LinkInvalid, read_token
from stroydesk.consultations.models import Booking, Expert, Subject
from stroydesk.consultations.slots import MOSCOW

STAFF = (User.Role.OPERATOR, User.Role.SUPERVISOR, User.Role.ADMIN)
ALL = ("subject", "expert__user", "room__office", "applicant", "request")


def subject_list() -> QuerySet[Subject]:
    """Subjects offered for booking."""
    return Subject.objects.filter(is_active=True).order_by("position", "title")


def subject_get(*, code: str) -> Subject | None:
    return subject_list().filter(code=code).first()


def expert_get(*, pk: int | str) -> Expert | None:
    try:
        return (
            Expert.objects.select_related("user", "room").filter(pk=int(pk), is_active=True).first()
        )
    except (TypeError, ValueError):
        return None


def expert_of(*, user: User) -> Expert | None:
    return Expert.objects.filter(user=user).first()


def booking_visible_to(*, user: User) -> QuerySet[Booking]:
    """Applicants see the bookings they made; an operator those they hold as the expert;
    supervisors and administrators all."""
    qs = Booking.objects.select_related(*ALL)
    if user.role == User.Role.APPLICANT:
        return qs.filter(booked_by=user)
    if user.role == User.Role.OPERATOR:
        return qs.filter(expert__user=user)
    if user.role in (User.Role.SUPERVISOR, User.Role.ADMIN):
        return qs
    return qs.none()


def booking_get_for(*, user: User, pk: int | str) -> Booking:
    """One booking the user may see, or Http404."""
    try:
        return booking_visible_to(user=user).get(pk=pk)
    except (Booking.DoesNotExist, ValueError, TypeError):
        raise Http404("No such booking.") from None


def booking_by_token(*, token: str) -> Booking:
    """The booking of a personal link; LinkInvalid for a forged or expired link."""
    pk = read_token(token)
    booking = Booking.objects.select_related(*ALL).filter(pk=pk).first()
    if booking is None:
        raise LinkInvalid("gone")
    return booking


def booking_list_for(*, user: User) -> QuerySet[Booking]:
    """The user's bookings, newest first (paged by the caller)."""
    return booking_visible_to(user=user).order_by("-start", "-pk")


def booking_history(*, booking: Booking):
    return booking.history.select_related("actor").order_by("at", "pk")


def agenda(*, user: User, day: date, expert: Expert | None = None) -> QuerySet[Booking]:
    """The day's consultations of an expert (the user's own, or for a supervisor the chosen
    expert's or everybody's), in order."""
    lo = datetime.combine(day, time.min, MOSCOW)
    qs = booking_visible_to(user=user).filter(start__gte=lo, start__lt=lo + timedelta(days=1))
    if expert is not None:
        qs = qs.filter(expert=expert)
    return qs.exclude(status=Booking.Status.CANCELLED).order_by("start", "pk")


@dataclass(frozen=True)
class RateRow:
    """Utilisation and no-shows of one expert and subject over a period."""

    expert: str
    subject: str
    booked: int
    held: int
    no_shows: int
    cancelled: int

    @property
    def no_show_percent(self) -> float | None:
        past = self.held + self.no_shows
        return round(100 * self.no_shows / past, 1) if past else None

    @property
    def utilisation_percent(self) -> float | None:
        """Of the bookings made, the share that took place."""
        return round(100 * self.held / self.booked, 1) if self.booked else None


def rates(*, first: date, last: date) -> list[RateRow]:
    """Per expert and subject: bookings, held, no-shows, cancelled in the period (Moscow)."""
    lo = datetime.combine(first, time.min, MOSCOW)
    hi = datetime.combine(last, time.min, MOSCOW) + timedelta(days=1)
    S = Booking.Status
    rows = (
        Booking.objects.filter(start__gte=lo, start__lt=hi)
        .values(
            "expert__user__last_name",
            "expert__user__first_name",
            "expert__user__username",
            "subject__title",
        )
        .annotate(
            booked=Count("pk"),
            held=Count("pk", filter=Q(status=S.DONE)),
            no_shows=Count("pk", filter=Q(status=S.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=S.CANCELLED)),
        )
        .order_by("expert__user__last_name", "expert__user__username", "subject__title")
    )
    result = []
    for r in rows:
        name = (
            " ".join(p for p in (r["expert__user__last_name"], r["expert__user__first_name"]) if p)
            or r["expert__user__username"]
        )
        result.append(
            RateRow(
                name,
                r["subject__title"],
                r["booked"] - r["cancelled"],
                r["held"],
                r["no_shows"],
                r["cancelled"],
            )
        )
    return result
