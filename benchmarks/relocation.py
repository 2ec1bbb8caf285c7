"""How fast the relocation service takes orders and answers its lists, against bare writes.

In one process on a throw-away test database: N families each order their move through
``services.order_create`` (rules, capacity by conditional update, history row, e-mail and SMS
logged), then the same number of bare ``Order`` + ``OrderHistory`` inserts, one transaction
each — the ratio is what the rules and the capacity cost. Then the free-window list of a family
(60 days) and the dispatcher's heat-map (6 weeks), each timed over repeated calls.

    .venv/bin/python benchmarks/relocation.py                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/relocation.py
    .venv/bin/python benchmarks/relocation.py --orders 400
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not benchmarks/: its queue.py would hide the standard module
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stroydesk.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from stroydesk.accounts.models import User  # noqa: E402
from stroydesk.accounts.services import user_create  # noqa: E402
from stroydesk.relocation import rules, selectors, services  # noqa: E402
from stroydesk.relocation.models import (  # noqa: E402
    Building,
    Crew,
    Household,
    Order,
    OrderHistory,
    Window,
)
from stroydesk.workcalendar.selectors import moscow_date  # noqa: E402

DISTRICTS = 8
CREWS_PER_DISTRICT = 6


def world(n: int) -> tuple[list[User], list[Household]]:
    today = moscow_date(timezone.now())
    users, households = [], []
    for d in range(DISTRICTS):
        district = f"Район {d}"
        for c in range(CREWS_PER_DISTRICT):
            Crew.objects.create(name=f"Бригада {d}-{c}", district=district)
        old = Building.objects.create(kind="old", address=f"Старый дом {d}", district=district)
        new = Building.objects.create(kind="new", address=f"Новый дом {d}", district=district)
        for i in range(n // DISTRICTS):
            user = user_create(username=f"r{d}-{i}", password=None, role="applicant")
            households.append(
                Household.objects.create(
                    old_building=old,
                    old_flat=str(i),
                    new_building=new,
                    new_flat=str(i),
                    head_name="Семья",
                    email=f"r{d}-{i}@example.ru",
                    phone="+79160000000",
                    contract_signed_on=today - timedelta(days=30),
                    window_start=today + timedelta(days=1),
                    window_end=today + timedelta(days=90),
                    resident=user,
                )
            )
            users.append(user)
    return users, households


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=240)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        users, households = world(args.orders)
        today = moscow_date(timezone.now())
        days = rules.bookable_days(start=today, end=today + timedelta(days=60), today=today)
        details = services.OrderDetails(
            rooms=2,
            floor_from=3,
            floor_to=9,
            lift_from=False,
            lift_to=True,
            contact_phone="+79160000000",
        )
        reverse("relocation:home")  # the URL map's first load (imports every view) is not timed
        start = time.perf_counter()
        for i, user in enumerate(users):
            services.order_create(
                by=user,
                kind="move",
                day=days[i % len(days)],
                window=Window.values[i % 2],
                details=details,
            )
        service_s = time.perf_counter() - start

        start = time.perf_counter()
        now = timezone.now()
        for i, household in enumerate(households):
            with transaction.atomic():
                order = Order.objects.create(
                    household=household,
                    kind="materials",
                    date=days[i % len(days)],
                    window=Window.values[i % 2],
                    district=household.old_building.district,
                    floor_from=1,
                    floor_to=1,
                    lift_from=False,
                    lift_to=False,
                    contact_phone="+79160000000",
                    created_at=now,
                    updated_at=now,
                )
                OrderHistory.objects.create(
                    order=order, action="create", at=now, to_status="ordered"
                )
        bare_s = time.perf_counter() - start

        household = Household.objects.select_related("old_building").first()
        start = time.perf_counter()
        for _ in range(args.repeat):
            selectors.free_windows(
                household=household, start=today, end=today + timedelta(days=60), today=today
            )
        windows_ms = (time.perf_counter() - start) * 1000 / args.repeat
        start = time.perf_counter()
        for _ in range(args.repeat):
            selectors.heat_map(start=today, weeks=6)
        heat_ms = (time.perf_counter() - start) * 1000 / args.repeat

        n = len(users)
        print(f"database: {connection.vendor}; {n} families, {DISTRICTS} districts")
        print(
            f"order_create:      {n / service_s:8.1f} orders/s ({1000 * service_s / n:.2f} ms each)"
        )
        print(f"bare insert pair:  {n / bare_s:8.1f} orders/s ({1000 * bare_s / n:.2f} ms each)")
        print(f"ratio service/bare time: {service_s / bare_s:.2f}")
        print(f"free windows (60 days): {windows_ms:.2f} ms; heat-map (6 weeks): {heat_ms:.2f} ms")
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
