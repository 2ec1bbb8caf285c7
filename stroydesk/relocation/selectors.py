"""Queries of the relocation service: the family's orders and free windows, the dispatcher's
day plan and heat-map, the statistics."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.http import Http404

from stroydesk.accounts.models import User
from stroydesk.relocation import rules
from stroydesk.relocation.models import Capacity, Crew, Household, Order, OrderRequest, Window
from stroydesk.relocation.steps import may_dispatch

__all__ = ["may_dispatch"]


def household_of(*, user: User) -> Household | None:
    """The household the resident's account is bound to, if any."""
    if not user.is_authenticated or user.role != User.Role.APPLICANT:
        return None
    return (
        Household.objects.select_related("old_building", "new_building")
        .filter(resident=user)
        .first()
    )


def order_list_for(*, user: User) -> QuerySet[Order]:
    """Orders the user may see: the family's own, or all of them for a dispatcher."""
    qs = Order.objects.select_related("household__old_building", "household__new_building", "crew")
    if may_dispatch(user):
        return qs
    if user.is_authenticated and user.role == User.Role.APPLICANT:
        return qs.filter(household__resident=user)
    return qs.none()


def order_get_for(*, user: User, pk: int | str) -> Order:
    """One order, or Http404 for an order the user may not know of."""
    try:
        return order_list_for(user=user).get(pk=int(pk))
    except (Order.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def order_requests(*, order: Order) -> QuerySet[OrderRequest]:
    """The contact-center requests opened from the order, newest first."""
    return OrderRequest.objects.filter(order=order)


def order_of_request(*, request_id: int) -> Order | None:
    """The other way of the link: the order a contact-center request was opened from (for the
    operator's card; staff see it, so no visibility check beyond the request's own)."""
    link = OrderRequest.objects.select_related("order").filter(request_id=request_id).first()
    return link.order if link else None


@dataclass(frozen=True)
class Slot:
    """One window of one day and the places left in it."""

    date: date
    window: str
    free: int


def free_windows(*, household: Household, start: date, end: date, today: date) -> list[Slot]:
    """The family's orderable windows in [start, end] with places left (full ones left out)."""
    start = max(start, household.window_start)
    end = min(end, household.window_end)
    if end < start:
        return []
    days = rules.bookable_days(start=start, end=end, today=today)
    district = household.old_building.district
    crews = Crew.objects.filter(district=district, is_active=True).count()
    taken = {
        (row.date, row.window): row.total - row.used
        for row in Capacity.objects.filter(district=district, date__in=days)
    }
    slots = []
    for day in days:
        for window in Window.values:
            free = taken.get((day, window), crews)
            if free > 0:
                slots.append(Slot(date=day, window=window, free=free))
    return slots


def districts() -> list[str]:
    return list(
        Crew.objects.filter(is_active=True).values_list("district", flat=True).distinct().order_by()
    )


def day_plan(*, day: date, district: str = "") -> list[dict[str, Any]]:
    """The day's live orders by district and crew (None: not yet confirmed), in window order."""
    orders = (
        Order.objects.filter(date=day)
        .exclude(status=Order.Status.CANCELLED)
        .select_related("household__old_building", "household__new_building", "crew")
        .order_by("district", "crew__name", "window", "id")
    )
    if district:
        orders = orders.filter(district=district)
    grouped: dict[tuple[str, Crew | None], list[Order]] = defaultdict(list)
    for order in orders:
        grouped[(order.district, order.crew)].append(order)
    return [
        {"district": key[0], "crew": key[1], "orders": rows}
        for key, rows in sorted(
            grouped.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, str(kv[0][1] or ""))
        )
    ]


def orders_to_confirm() -> QuerySet[Order]:
    """Ordered but not confirmed, nearest day first."""
    return (
        Order.objects.filter(status=Order.Status.ORDERED)
        .select_related("household__old_building")
        .order_by("date", "window", "id")
    )


def crew_orders(*, crew: Crew, day: date) -> list[Order]:
    """A crew's confirmed jobs of the day for its route sheet."""
    return list(
        Order.objects.filter(crew=crew, date=day)
        .exclude(status=Order.Status.CANCELLED)
        .select_related("household__old_building", "household__new_building")
        .order_by("window", "id")
    )


def crew_get(*, pk: int) -> Crew:
    try:
        return Crew.objects.get(pk=pk)
    except Crew.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class HeatCell:
    date: date
    used: int
    total: int
    runs: bool

    @property
    def level(self) -> str:
        """A CSS class for the share taken: free, low, mid, high, full, off (no service)."""
        if not self.runs or self.total == 0:
            return "off"
        share = self.used / self.total
        if share >= 1:
            return "full"
        if share >= 0.75:
            return "high"
        if share >= 0.4:
            return "mid"
        return "low" if self.used else "free"


def heat_map(*, start: date, weeks: int) -> dict[str, Any]:
    """Places taken per district and day over the coming weeks (both windows together), as a
    calendar: one row per district and week, Monday to Sunday."""
    start = start - timedelta(days=start.weekday())
    days = [start + timedelta(days=i) for i in range(weeks * 7)]
    crews = dict(
        Crew.objects.filter(is_active=True)
        .values("district")
        .annotate(n=Count("id"))
        .values_list("district", "n")
    )
    rows = Capacity.objects.filter(date__gte=days[0], date__lte=days[-1]).values(
        "district", "date", "total", "used"
    )
    used: dict[tuple[str, date], list[int]] = {}
    for row in rows:
        cell = used.setdefault((row["district"], row["date"]), [0, 0])
        cell[0] += row["used"]
        cell[1] += row["total"]
    windows = len(Window.values)
    runs = {day: rules.service_runs_on(day) for day in days}
    table = []
    for district in sorted(set(crews) | {d for d, _day in used}):
        for week in range(weeks):
            cells = []
            for day in days[week * 7 : week * 7 + 7]:
                taken, total = used.get((district, day), [0, 0])
                # a window nobody ordered yet has no row: one place per crew
                full_total = max(total, crews.get(district, 0) * windows)
                cells.append(HeatCell(date=day, used=taken, total=full_total, runs=runs[day]))
            table.append({"district": district, "week": days[week * 7], "cells": cells})
    return {"weekdays": days[:7], "rows": table}


@dataclass(frozen=True)
class Figures:
    weeks: list[dict[str, Any]]
    capacity_used: int
    capacity_total: int
    cancelled: int
    ordered: int
    contract_to_move_median: float | None
    contract_to_move_mean: float | None

    @property
    def capacity_percent(self) -> float | None:
        return (
            round(100 * self.capacity_used / self.capacity_total, 1)
            if self.capacity_total
            else None
        )

    @property
    def cancel_percent(self) -> float | None:
        return round(100 * self.cancelled / self.ordered, 1) if self.ordered else None


def relocation_figures(*, start: date, end: date) -> Figures:
    """Orders per week (by the service day), capacity use, cancellations, and the days from the
    contract to the move of the families that moved in the period."""
    orders = Order.objects.filter(date__gte=start, date__lte=end)
    weeks = list(
        orders.annotate(week=TruncWeek("date"))
        .values("week")
        .annotate(
            total=Count("id"),
            moves=Count("id", filter=Q(kind=Order.Kind.MOVE)),
            cancelled=Count("id", filter=Q(status=Order.Status.CANCELLED)),
        )
        .order_by("week")
    )
    capacity = Capacity.objects.filter(date__gte=start, date__lte=end).aggregate(
        used=Sum("used"), total=Sum("total")
    )
    moved = orders.filter(
        kind=Order.Kind.MOVE, status__in=[Order.Status.MOVED, Order.Status.CLOSED]
    ).values_list("date", "household__contract_signed_on")
    spans = [(day - signed).days for day, signed in moved]
    return Figures(
        weeks=weeks,
        capacity_used=capacity["used"] or 0,
        capacity_total=capacity["total"] or 0,
        cancelled=sum(w["cancelled"] for w in weeks),
        ordered=sum(w["total"] for w in weeks),
        contract_to_move_median=statistics.median(spans) if spans else None,
        contract_to_move_mean=round(statistics.fmean(spans), 1) if spans else None,
    )
