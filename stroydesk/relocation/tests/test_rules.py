"""Which days and windows a family may order, and the places of a district's window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from stroydesk.core.errors import Refused
from stroydesk.relocation import rules, selectors, services
from stroydesk.relocation.models import Capacity, Crew, Order

from .conftest import (
    bind,
    details,
    make_household,
    order,
    resident,
    service_days,
    today,
)


@pytest.mark.django_db
def test_the_service_runs_on_working_days_and_ordinary_saturdays_only():
    assert rules.service_runs_on(date(2026, 12, 4))  # Friday
    assert rules.service_runs_on(date(2026, 12, 5))  # an ordinary Saturday
    assert not rules.service_runs_on(date(2026, 12, 6))  # Sunday
    assert not rules.service_runs_on(date(2027, 1, 2))  # a Saturday of the New Year holidays
    assert not rules.service_runs_on(date(2026, 11, 4))  # National Unity Day, a Wednesday
    assert not rules.service_runs_on(date(2035, 6, 1))  # beyond the known calendar


def test_an_order_takes_a_place_and_a_cancel_gives_it_back(household, crews, applicant_user):
    day = service_days(2)[1]
    placed = order(applicant_user, day)
    row = Capacity.objects.get(date=day, window="09:00-13:00")
    assert (row.used, row.total) == (1, 2)
    services.order_cancel(order=placed, by=applicant_user)
    row.refresh_from_db()
    assert row.used == 0


def test_a_full_window_is_refused_and_not_offered(buildings, crews, household, applicant_user):
    day = service_days(2)[1]
    for flat in ("20", "21"):
        neighbour = resident(f"n{flat}")
        bind(make_household(buildings, flat), neighbour)
        order(neighbour, day)
    with pytest.raises(Refused, match="full"):
        order(applicant_user, day)
    assert not Order.objects.filter(household=household).exists()
    slots = selectors.free_windows(household=household, start=day, end=day, today=today())
    assert [(s.date, s.window) for s in slots] == [(day, "14:00-18:00")]
    assert Capacity.objects.get(date=day, window="09:00-13:00").used == 2


@pytest.mark.parametrize("offset", ["today", "outside", "sunday"])
def test_days_outside_the_rules_are_refused_with_a_reason(household, crews, applicant_user, offset):
    if offset == "today":
        day = today()
    elif offset == "outside":
        day = household.window_end + timedelta(days=7)
        while not rules.service_runs_on(day):
            day += timedelta(days=1)
    else:
        day = today() + timedelta(days=1)
        while day.weekday() != 6:
            day += timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        order(applicant_user, day)
    assert "date" in caught.value.message_dict
    assert not Capacity.objects.exists() and not Order.objects.exists()


def test_the_window_list_holds_only_days_inside_the_familys_window(
    buildings, crews, applicant_user
):
    household = bind(
        make_household(
            buildings,
            "30",
            window_start=today() + timedelta(days=5),
            window_end=today() + timedelta(days=12),
        ),
        applicant_user,
    )
    slots = selectors.free_windows(
        household=household, start=today(), end=today() + timedelta(days=40), today=today()
    )
    assert slots
    assert all(household.window_start <= s.date <= household.window_end for s in slots)
    assert all(rules.service_runs_on(s.date) and s.free == 2 for s in slots)


def test_one_live_order_of_a_kind_per_family(household, crews, applicant_user):
    first, second = service_days(2)
    order(applicant_user, second)
    with pytest.raises(Refused, match="live order"):
        order(applicant_user, first)
    order(applicant_user, first, kind="materials")
    # the refused one gave its place back with the rollback
    assert Capacity.objects.get(date=first, window="09:00-13:00").used == 1


def test_reschedule_moves_the_place_and_stops_at_the_limit(
    household, crews, applicant_user, settings
):
    settings.RELOCATION_MAX_RESCHEDULES = 1
    first, second, third = service_days(3)
    placed = order(applicant_user, first)
    services.order_reschedule(order=placed, by=applicant_user, day=second, window="14:00-18:00")
    placed.refresh_from_db()
    assert (placed.date, placed.window, placed.reschedules) == (second, "14:00-18:00", 1)
    assert Capacity.objects.get(date=first, window="09:00-13:00").used == 0
    assert Capacity.objects.get(date=second, window="14:00-18:00").used == 1
    with pytest.raises(Refused, match="limit"):
        services.order_reschedule(order=placed, by=applicant_user, day=third, window="09:00-13:00")
    assert not Capacity.objects.filter(date=third).exists()


def test_no_change_on_the_day_itself(household, crews, applicant_user):
    placed = order(applicant_user, service_days(1)[0])
    with pytest.raises(Refused, match="day before"):
        services.order_cancel(order=placed, by=applicant_user, today=placed.date)
    placed.refresh_from_db()
    assert placed.status == Order.Status.ORDERED


def test_no_orders_after_the_move(household, crews, applicant_user, dispatcher):
    first, second = service_days(2)
    placed = order(applicant_user, first)
    services.order_confirm(order=placed, by=dispatcher)
    services.order_step(order=placed, by=dispatcher, action="move")
    with pytest.raises(Refused, match="moved"):
        order(applicant_user, second, kind="materials")


def test_no_orders_before_the_contract(buildings, crews, applicant_user):
    bind(
        make_household(buildings, "40", contract_signed_on=today() + timedelta(days=3)),
        applicant_user,
    )
    with pytest.raises(Refused, match="contract"):
        order(applicant_user, service_days(1)[0])


def test_bad_details_are_field_errors(household, crews, applicant_user):
    with pytest.raises(ValidationError) as caught:
        services.order_create(
            by=applicant_user,
            kind="move",
            day=service_days(1)[0],
            window="09:00-13:00",
            details=details(contact_phone="123", rooms=0, special_items=["tiger"]),
        )
    assert set(caught.value.message_dict) == {"contact_phone", "rooms", "special_items"}


def test_a_district_without_crews_takes_no_orders(household, applicant_user):
    with pytest.raises(Refused, match="No crews"):
        order(applicant_user, service_days(1)[0])


def test_packing_materials_come_before_the_move(household, crews, applicant_user):
    d1, d2, d3, d4 = service_days(4)
    move = order(applicant_user, d3)
    with pytest.raises(ValidationError, match="before the move"):
        order(applicant_user, d4, kind="materials")
    materials = order(applicant_user, d2, kind="materials")
    with pytest.raises(ValidationError, match="before the packing"):
        services.order_reschedule(order=move, by=applicant_user, day=d1, window="14:00-18:00")
    assert materials.date == d2
    move.refresh_from_db()
    assert move.date == d3


def test_capacity_follows_the_crews_but_keeps_what_is_taken(household, crews, applicant_user):
    day = service_days(1)[0]
    order(applicant_user, day)
    Crew.objects.create(name="Бригада 3", district=crews[0].district)
    services.capacity_follow_crews(district=crews[0].district)
    assert Capacity.objects.get(date=day).total == 3
    Crew.objects.filter(district=crews[0].district).update(is_active=False)
    services.capacity_follow_crews(district=crews[0].district)
    row = Capacity.objects.get(date=day)
    assert (row.used, row.total) == (1, 1)
    with pytest.raises(ValidationError):
        Capacity(district="x", date=day, window="09:00-13:00", total=0, used=1).full_clean()
