"""Many families racing for the last places of a day: the database gives each place once.

Real threads with their own connections on PostgreSQL: the conditional update
(``used < total``) re-checks the row after the competing transaction commits, and the unique
(district, date, window) row is created once even when the first orders of a day arrive together.
"""

from __future__ import annotations

import pytest
from django.db import connection

from stroydesk.core.errors import Refused
from stroydesk.core.testing import in_threads
from stroydesk.relocation.models import Capacity, Order

from .conftest import bind, make_household, order, resident, service_days

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the race runs on PostgreSQL (DATABASE_URL=postgres://…)",
    ),
]

RACERS = 12


def _families(buildings, n: int) -> list:
    users = []
    for i in range(n):
        user = resident(f"racer{i}")
        bind(make_household(buildings, str(100 + i)), user)
        users.append(user)
    return users


@pytest.mark.django_db(transaction=True)
def test_many_families_race_for_the_last_place_of_a_day(buildings, crews):
    day = service_days(1)[0]
    first, *racers = _families(buildings, RACERS + 1)
    order(first, day)  # one of the two places is gone already

    results, errors = in_threads(RACERS, lambda i: order(racers[i], day).pk)

    assert len(results) == 1
    assert len(errors) == RACERS - 1
    assert all(isinstance(e, Refused) for e in errors)
    row = Capacity.objects.get(date=day, window="09:00-13:00")
    assert (row.used, row.total) == (2, 2)
    assert Order.objects.filter(date=day).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_first_orders_of_a_fresh_day_create_one_capacity_row(buildings, crews):
    day = service_days(2)[1]
    racers = _families(buildings, RACERS)

    results, errors = in_threads(RACERS, lambda i: order(racers[i], day, "14:00-18:00").pk)

    assert len(results) == len(crews)
    assert all(isinstance(e, Refused) for e in errors)
    (row,) = Capacity.objects.filter(date=day)
    assert row.used == row.total == len(crews)
