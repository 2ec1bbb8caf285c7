"""The demo-history generator: its plan, its run through the services, and the yearly report.

The full years (31,623 and 34,744 requests, ~5 service calls each) take minutes, so the
everyday run generates the same plan at 1/80 scale (395 and 434 requests, growth still
+9.9 %); ``test_the_full_years_reproduce_the_reported_figures`` generates them at full size
when ``STROYDESK_FULL_HISTORY=1`` (``.ci/run`` sets it on both legs; ``benchmarks/generator.py``
prints the rate).
"""

from __future__ import annotations

import os
from datetime import date
from statistics import mean

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from stroydesk.cases.models import History, Request
from stroydesk.stats.generator import GenerationRefused, generate_history, plan_year
from stroydesk.stats.periods import Period
from stroydesk.stats.raw import RawSource
from stroydesk.stats.selectors import (
    Filters,
    ReportQuery,
    RollupSource,
    build_report,
    change_percent,
    yearly,
)

pytestmark = pytest.mark.django_db

FULL = {2020: 31623, 2021: 34744}
SCALE = 0.0125


def planned(year: int, count: int) -> int:
    return sum(n for _day, n in plan_year(year=year, count=count, seed=1))


def test_the_plan_of_the_full_years_gives_the_reported_figures(directory):
    totals = {year: planned(year, count) for year, count in FULL.items()}
    assert totals == {2020: 31623, 2021: 34744}
    assert change_percent(totals[2021], totals[2020]) == 9.9


def test_the_plan_has_seasons_weekdays_and_holidays(directory):
    plan = dict(plan_year(year=2021, count=34744, seed=1))
    mondays = mean(n for d, n in plan.items() if d.weekday() == 0 and d.month not in (1, 5))
    sundays = mean(n for d, n in plan.items() if d.weekday() == 6)
    assert mondays > 3 * sundays
    assert plan[date(2021, 1, 1)] < mondays / 2  # a public holiday
    assert plan[date(2021, 2, 20)] > sundays * 2  # a transferred working Saturday
    by_month = {m: sum(n for d, n in plan.items() if d.month == m) for m in range(1, 13)}
    assert by_month[10] > by_month[7]
    assert plan_year(year=2021, count=34744, seed=1) == plan_year(year=2021, count=34744, seed=1)
    assert plan_year(year=2021, count=34744, seed=2) != plan_year(year=2021, count=34744, seed=1)


def test_generated_years_show_the_planned_figures_and_growth(directory, api, supervisor):
    for year, count in FULL.items():
        generate_history(year=year, count=count, seed=1, scale=SCALE)
    expected = {year: planned(year, round(count * SCALE)) for year, count in FULL.items()}
    assert expected == {2020: 395, 2021: 434}
    rows = yearly([2020, 2021])
    assert [row["received"] for row in rows] == [395, 434]
    assert rows[0]["yoy_percent"] is None
    assert rows[1]["yoy_percent"] == 9.9
    response = api(supervisor).get("/api/v1/stats/yearly/", {"years": "2020,2021"})
    assert [(r["year"], r["received"], r["yoy_percent"]) for r in response.json()] == [
        (2020, 395, None),
        (2021, 434, 9.9),
    ]
    # A realistic year: more escalated in 2021, some answers late, every channel used.
    assert rows[1]["escalated_percent"] > rows[0]["escalated_percent"]
    assert 50 < rows[0]["sla_percent"] < 100
    assert rows[1]["answer_days_p90"] > rows[1]["answer_days_median"]
    assert Request.objects.values("channel").distinct().count() == 6
    assert 3 < rows[1]["csat_average"] < 5
    # Everything went through the services: every request has its history.
    assert History.objects.filter(action="register").count() == 829
    # The rollups agree with a count from the raw tables, for every breakdown and filter.
    both = Period(date(2020, 1, 1), date(2021, 12, 31))
    for group in ("", "month", "channel", "section", "topic", "authority", "applicant_type"):
        query = ReportQuery(period=both, group_by=group)
        assert _report(query, RollupSource()) == _report(query, RawSource()), group
    authority_id = Request.objects.exclude(authority=None).values_list("authority", flat=True)[0]
    for filters in (
        Filters(channel="phone"),
        Filters(applicant_kind="developer"),
        Filters(authority_id=authority_id),
    ):
        query = ReportQuery(period=both, group_by="quarter", filters=filters)
        assert _report(query, RollupSource()) == _report(query, RawSource()), filters


@pytest.mark.long
@pytest.mark.skipif(
    os.environ.get("STROYDESK_FULL_HISTORY") != "1",
    reason="full-size years take minutes: set STROYDESK_FULL_HISTORY=1 (.ci/run does)",
)
def test_the_full_years_reproduce_the_reported_figures(directory, api, supervisor):
    for year, count in FULL.items():
        generated = generate_history(year=year, count=count, seed=1)
        assert generated.created == count
    rows = yearly([2020, 2021])
    assert [(r["year"], r["received"], r["yoy_percent"]) for r in rows] == [
        (2020, 31623, None),
        (2021, 34744, 9.9),
    ]
    response = api(supervisor).get("/api/v1/stats/yearly/", {"years": "2020,2021"})
    assert [(r["year"], r["received"], r["yoy_percent"]) for r in response.json()] == [
        (2020, 31623, None),
        (2021, 34744, 9.9),
    ]
    assert rows[1]["escalated_percent"] > rows[0]["escalated_percent"]
    assert rows[1]["sla_percent"] > rows[0]["sla_percent"]
    assert 3 < rows[0]["csat_average"] < 5
    assert History.objects.filter(action="register").count() == 31623 + 34744
    year_2021 = ReportQuery(period=Period(date(2021, 1, 1), date(2021, 12, 31)), group_by="month")
    assert _report(year_2021, RollupSource()) == _report(year_2021, RawSource())


def _report(query: ReportQuery, source) -> dict:
    return build_report(query, source, today=date(2022, 6, 1)).as_dict()


def test_the_same_seed_gives_the_same_history(directory):
    def run() -> list[tuple]:
        with transaction.atomic():
            generate_history(year=2023, count=4000, seed=7, scale=0.01)
            requests = Request.objects.order_by("number").values_list(
                "number", "registered_at", "channel", "topic__code", "status", "applicant__email"
            )
            steps = History.objects.order_by("request__number", "at", "id").values_list(
                "request__number", "action", "at", "actor__username"
            )
            snapshot = [*requests, *steps]
            transaction.set_rollback(True)
        return snapshot

    first = run()
    assert len([row for row in first if len(row) == 6]) == 40
    assert run() == first


def test_the_generator_refuses_a_filled_or_a_future_year(directory):
    generate_history(year=2022, count=20, seed=1)
    with pytest.raises(GenerationRefused, match="2022 has 20 requests already"):
        generate_history(year=2022, count=20, seed=1)
    with pytest.raises(GenerationRefused, match="past year"):
        generate_history(year=2999, count=20, seed=1)
    with pytest.raises(GenerationRefused, match="no production calendar for 2019"):
        generate_history(year=2019, count=20, seed=1)
    with pytest.raises(GenerationRefused, match="scale"):
        generate_history(year=2023, count=20, seed=1, scale=2)


def test_generate_history_command(directory, capsys):
    call_command("generate_history", "--year", "2022", "--count", "30", "--seed", "3")
    assert "2022: 30 requests" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already"):
        call_command("generate_history", "--year", "2022", "--count", "30")
