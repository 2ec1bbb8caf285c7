"""How many plans per second the procedures planner makes: the largest profile against a
trivial one, on the real catalogue file and the production calendar (pure Python, no database).

    .venv/bin/python benchmarks/procedures.py            # 2 seconds per case
    .venv/bin/python benchmarks/procedures.py --seconds 5

The largest profile switches on every branch of the catalogue (all utilities, heritage zone,
budget funding with the estimate check, state expertise, works); the trivial one is an
individual house (two notices, cadastre, rights). The ratio says what the graph costs.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

# The script's own folder first on sys.path would shadow the stdlib (benchmarks/queue.py).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from stroydesk.procedures.loading import read_catalogue  # noqa: E402
from stroydesk.procedures.planner import make_plan  # noqa: E402
from stroydesk.procedures.rules import CONNECTIONS, Profile, profile_conflicts  # noqa: E402
from stroydesk.workcalendar.calendar import ProductionCalendar  # noqa: E402

LARGEST = Profile(
    object_type="residential_multi",
    funding="budget",
    floors=25,
    height_m=80,
    total_area_m2=40000,
    heritage_zone=True,
    connections=frozenset(CONNECTIONS),
    expertise="state",
    sells_off_plan=True,
    works_days=180,
)
TRIVIAL = Profile(object_type="individual_house", floors=2, height_m=8, expertise="none")


def rate(specs, calendar, profile: Profile, seconds: float) -> tuple[float, int]:
    start = date(2026, 3, 2)
    steps = len(make_plan(specs, profile, start, calendar).steps)
    count, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds:
        for _ in range(50):
            make_plan(specs, profile, start, calendar)
        count += 50
    return count / elapsed, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    assert not profile_conflicts(LARGEST) and not profile_conflicts(TRIVIAL)
    version, specs = read_catalogue()
    calendar = ProductionCalendar.from_file()
    big, big_steps = rate(specs, calendar, LARGEST, args.seconds)
    small, small_steps = rate(specs, calendar, TRIVIAL, args.seconds)
    print(f"catalogue {version}: {len(specs)} procedures")
    print(f"largest profile: {big_steps:2d} steps  {big:9.0f} plans/s  {1000 / big:.3f} ms/plan")
    print(
        f"trivial profile: {small_steps:2d} steps  {small:9.0f} plans/s  {1000 / small:.3f} ms/plan"
    )
    print(f"ratio trivial/largest: {small / big:.1f}×")


if __name__ == "__main__":
    main()
