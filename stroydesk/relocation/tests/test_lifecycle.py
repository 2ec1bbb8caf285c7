"""The order lifecycle: every action from every status, for both kinds and both actors; each step
a compare-and-set with one history row."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from stroydesk.core.errors import ConcurrentChange, Refused
from stroydesk.relocation import lifecycle, services
from stroydesk.relocation.models import Order, OrderHistory

from .conftest import bind, make_household, order, resident, service_days

S = Order.Status

# (kind, status) → the statuses each action leads to; absent: refused.
EXPECTED = {
    "confirm": {S.ORDERED: S.CONFIRMED},
    "deliver": {S.CONFIRMED: S.MATERIALS_DELIVERED},  # materials only
    "move": {S.CONFIRMED: S.MOVED},  # move only
    "close": {S.MATERIALS_DELIVERED: S.CLOSED, S.MOVED: S.CLOSED},
    "cancel": {S.ORDERED: S.CANCELLED, S.CONFIRMED: S.CANCELLED},
    "reschedule": {S.ORDERED: S.ORDERED, S.CONFIRMED: S.ORDERED},
}
KIND_ONLY = {"deliver": "materials", "move": "move"}


def _put(placed: Order, status: str) -> Order:
    """Force a status for the matrix (the crew is set for the statuses after confirmation)."""
    crew = None if status == S.ORDERED else placed.crew
    Order.objects.filter(pk=placed.pk).update(status=status, crew=crew)
    placed.refresh_from_db()
    return placed


def _do(action: str, placed: Order, by, day):
    if action == "confirm":
        return services.order_confirm(order=placed, by=by)
    if action == "cancel":
        return services.order_cancel(order=placed, by=by)
    if action == "reschedule":
        return services.order_reschedule(order=placed, by=by, day=day, window="14:00-18:00")
    return services.order_step(order=placed, by=by, action=action)


@pytest.mark.parametrize("kind", ["move", "materials"])
@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("status", list(S.values))
def test_the_matrix(household, crews, applicant_user, dispatcher, kind, action, status):
    first, second = service_days(2)
    placed = order(applicant_user, first, kind=kind)
    if status != S.ORDERED:
        services.order_confirm(order=placed, by=dispatcher)
    _put(placed, status)
    rows = OrderHistory.objects.count()
    target = EXPECTED[action].get(status)
    if KIND_ONLY.get(action, kind) != kind:
        target = None
    if target is None:
        with pytest.raises(Refused):
            _do(action, placed, dispatcher, second)
        placed.refresh_from_db()
        assert placed.status == status
        assert OrderHistory.objects.count() == rows
    else:
        _do(action, placed, dispatcher, second)
        placed.refresh_from_db()
        assert placed.status == target
        last = OrderHistory.objects.latest("id")
        assert (last.action, last.from_status, last.to_status, last.actor) == (
            action,
            status,
            target,
            dispatcher,
        )
        assert OrderHistory.objects.count() == rows + 1


@pytest.mark.parametrize("action", ["confirm", "move", "close"])
def test_a_resident_may_not_take_the_dispatchers_steps(household, crews, applicant_user, action):
    placed = order(applicant_user, service_days(1)[0])
    with pytest.raises(PermissionDenied):
        _do(action, placed, applicant_user, None)
    placed.refresh_from_db()
    assert placed.status == S.ORDERED


def test_the_table_and_its_actors_agree():
    assert set(lifecycle.TRANSITIONS) == set(EXPECTED)
    resident = {a for a, t in lifecycle.TRANSITIONS.items() if lifecycle.RESIDENT in t.actors}
    assert resident == {"cancel", "reschedule"}


def test_a_stale_copy_loses_the_compare_and_set(household, crews, applicant_user, dispatcher):
    placed = order(applicant_user, service_days(1)[0])
    stale = Order.objects.get(pk=placed.pk)
    services.order_confirm(order=placed, by=dispatcher)
    with pytest.raises(ConcurrentChange):
        services.order_cancel(order=stale, by=applicant_user)
    placed.refresh_from_db()
    assert placed.status == S.CONFIRMED


def test_confirm_gives_each_crew_one_job_per_window(
    buildings, household, crews, applicant_user, dispatcher
):
    day = service_days(1)[0]
    first = order(applicant_user, day)
    neighbour = resident("neighbour")
    bind(make_household(buildings, "50"), neighbour)
    second = order(neighbour, day)
    services.order_confirm(order=first, by=dispatcher, crew=crews[1])
    services.order_confirm(order=second, by=dispatcher)
    first.refresh_from_db()
    second.refresh_from_db()
    assert {first.crew, second.crew} == set(crews)
