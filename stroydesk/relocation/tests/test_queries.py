"""The lists cost the same number of queries for 2 orders as for 8 (no query per row)."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stroydesk.relocation import services

from .conftest import bind, make_household, order, resident, service_days


def _orders(buildings, dispatcher, n: int, start: int) -> None:
    days = service_days(4)
    for i in range(start, start + n):
        user = resident(f"q{i}")
        bind(make_household(buildings, str(200 + i)), user)
        placed = order(user, days[i % 4], window=("09:00-13:00", "14:00-18:00")[i // 4 % 2])
        if i % 2:
            services.order_confirm(order=placed, by=dispatcher)


def _count(client: Client, path: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params).status_code == 200
    return len(queries)


def test_the_dispatcher_pages_do_not_grow_with_the_orders(buildings, crews, dispatcher):
    client = Client()
    client.force_login(dispatcher)
    day = service_days(4)[0].isoformat()
    _orders(buildings, dispatcher, 2, 0)
    # Warm the per-process caches (the production calendar reloads every minute) first.
    _count(client, "/relocation/dispatch/", date=day)
    _count(client, "/relocation/dispatch/heatmap/")
    plan, heat = (
        _count(client, "/relocation/dispatch/", date=day),
        _count(client, "/relocation/dispatch/heatmap/"),
    )
    _orders(buildings, dispatcher, 6, 2)
    assert _count(client, "/relocation/dispatch/", date=day) == plan
    assert _count(client, "/relocation/dispatch/heatmap/") == heat


def test_the_api_plan_does_not_grow_with_the_orders(api, buildings, crews, dispatcher):
    client = api(dispatcher)
    day = service_days(4)[0].isoformat()
    _orders(buildings, dispatcher, 2, 0)
    _count(client, "/api/v1/relocation/dispatch/plan/", date=day)  # warm the caches
    before = _count(client, "/api/v1/relocation/dispatch/plan/", date=day)
    _orders(buildings, dispatcher, 6, 2)
    assert _count(client, "/api/v1/relocation/dispatch/plan/", date=day) == before
