"""The rollups: exact figures of a hand-checked month, agreement with the raw tables, refresh."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from stroydesk.cases import services
from stroydesk.stats.models import (
    AnswerTimeMonthlyRollup,
    AnswerTimeRollup,
    DailyRollup,
    MonthlyRollup,
    RequestFact,
    SlaMonthlyRollup,
    SlaRollup,
)
from stroydesk.stats.periods import Period, period_of
from stroydesk.stats.raw import RawSource
from stroydesk.stats.selectors import (
    Filters,
    ReportQuery,
    RollupSource,
    build_report,
    month_pieces,
    nearest_rank,
    report,
)
from stroydesk.stats.services import rollups_rebuild, rollups_refresh

from .conftest import TODAY, msk

pytestmark = pytest.mark.django_db

MARCH = period_of("month", date(2021, 3, 1))
ROLLUPS = (
    DailyRollup,
    MonthlyRollup,
    SlaRollup,
    SlaMonthlyRollup,
    AnswerTimeRollup,
    AnswerTimeMonthlyRollup,
)


def figures(query: ReportQuery, source=None) -> dict:
    return build_report(query, source or RollupSource(), today=TODAY).as_dict()


def rows(model) -> list[tuple]:
    fields = [f.name for f in model._meta.fields if f.name != "id"]
    return sorted(model.objects.values_list(*fields))


def test_march_figures_are_what_the_history_says(march):
    result = figures(ReportQuery(period=MARCH))
    assert result["figures"] == {
        "received": 4,
        "answered": 4,
        "closed": 2,
        "open_at_end": 1,
        "escalated": 2,
        "escalated_percent": 50.0,
        "first_contact_percent": 50.0,
        "reopened": 1,
        "reopen_percent": 25.0,
        "sla_due": 2,
        "sla_met": 1,
        "sla_percent": 50.0,
        "authority_answers": 2,
        "answer_days_median": 3,
        "answer_days_p90": 6,
        "ratings": 0,
        "csat_average": None,
    }
    assert result["change"]["previous"]["received"] == 1  # R5, received in February
    assert result["change"]["previous_percent"] == 300.0
    assert result["change"]["yoy_percent"] is None  # nothing in March 2020


def test_a_request_after_midnight_moscow_counts_on_the_moscow_day(march):
    april_first = figures(ReportQuery(period=period_of("day", date(2021, 4, 1))))
    assert april_first["figures"]["received"] == 1  # R6: 22:30 UTC on 31 March


def test_breakdown_by_channel_and_by_section(march):
    by_channel = {
        row["key"]: row for row in figures(ReportQuery(period=MARCH, group_by="channel"))["groups"]
    }
    assert {key: row["received"] for key, row in by_channel.items()} == {
        "phone": 1,
        "portal": 1,
        "email": 1,
        "api": 1,
    }
    assert by_channel["phone"]["answered"] == 2  # R1 and R5 (received in February)
    sections = figures(ReportQuery(period=MARCH, group_by="section"))["groups"]
    assert [(row["key"], row["received"]) for row in sections] == [(march.topic.parent_id, 4)]


def test_filters_narrow_every_figure(march):
    developers = figures(ReportQuery(period=MARCH, filters=Filters(applicant_kind="developer")))
    assert developers["figures"]["received"] == 1
    assert developers["figures"]["sla_due"] == 1
    assert developers["figures"]["sla_met"] == 1
    email = figures(ReportQuery(period=MARCH, filters=Filters(channel="email")))
    assert email["figures"]["sla_percent"] == 0.0
    assert email["figures"]["answer_days_median"] == 6


def test_an_escalation_due_today_or_later_is_not_yet_counted(march):
    early = build_report(ReportQuery(period=MARCH), RollupSource(), today=date(2021, 3, 9))
    assert early.total["sla_due"] == 1  # only R2's due day (5 March) has passed


@pytest.mark.parametrize(
    "group",
    ["", "day", "week", "month", "channel", "section", "topic", "authority", "applicant_type"],
)
def test_rollups_agree_with_the_raw_tables(march, group):
    whole_months = Period(date(2021, 2, 1), date(2021, 4, 30))
    ragged = Period(date(2021, 2, 20), date(2021, 4, 1))  # monthly rows inside, daily at the edges
    for period in (whole_months, ragged):
        query = ReportQuery(period=period, group_by=group)
        assert figures(query) == figures(query, RawSource())


def test_a_new_transition_reaches_the_rollups_on_the_next_refresh(march):
    r1 = march.requests["r1"]
    services.request_reopen(request=r1, by=march.operator, reason="Ещё вопрос.", at=msk(3, 3, 10))
    assert figures(ReportQuery(period=MARCH))["figures"]["reopened"] == 1  # not refreshed yet
    result = rollups_refresh()
    assert result.changed_facts == 1
    after = figures(ReportQuery(period=MARCH))
    assert after["figures"]["reopened"] == 2
    assert after["figures"]["first_contact_percent"] == 25.0
    assert after == figures(ReportQuery(period=MARCH), RawSource())


def test_refresh_and_rebuild_are_idempotent(march):
    before = [rows(m) for m in (*ROLLUPS, RequestFact)]
    again = rollups_refresh()
    assert again.changed_facts == 0
    rebuilt = rollups_rebuild(date_from=date(2021, 2, 1), date_to=date(2021, 4, 30))
    assert rebuilt.changed_facts == 0
    assert [rows(m) for m in (*ROLLUPS, RequestFact)] == before


def test_rebuild_from_nothing_gives_the_same_rollups(march):
    before = [rows(m) for m in ROLLUPS]
    assert all(before)
    RequestFact.objects.all().delete()
    for model in ROLLUPS:
        model.objects.all().delete()
    rollups_rebuild(date_from=date(2021, 2, 1), date_to=date(2021, 4, 30))
    assert [rows(m) for m in ROLLUPS] == before


def test_monthly_rollups_are_the_sums_of_the_daily_ones(march):
    daily = sum(DailyRollup.objects.filter(day__month=3).values_list("received", flat=True))
    monthly = MonthlyRollup.objects.filter(day=date(2021, 3, 1))
    assert sum(monthly.values_list("received", flat=True)) == daily == 4


def test_month_pieces():
    assert month_pieces(date(2021, 1, 1), date(2021, 12, 31)) == [
        (True, date(2021, 1, 1), date(2021, 12, 31))
    ]
    assert month_pieces(date(2021, 2, 20), date(2021, 4, 1)) == [
        (False, date(2021, 2, 20), date(2021, 2, 28)),
        (True, date(2021, 3, 1), date(2021, 3, 31)),
        (False, date(2021, 4, 1), date(2021, 4, 1)),
    ]
    assert month_pieces(date(2021, 3, 5), date(2021, 3, 9)) == [
        (False, date(2021, 3, 5), date(2021, 3, 9))
    ]
    assert month_pieces(date(2021, 1, 1), date(2021, 1, 31), by_day=True) == [
        (False, date(2021, 1, 1), date(2021, 1, 31))
    ]


def test_csat_is_the_average_mark_of_the_period(march, applicant_user, topic, operator):
    from stroydesk.accounts.services import applicant_for_user

    from .conftest import register

    mine = register(applicant_for_user(user=applicant_user), "portal", msk(3, 10, 9), topic)
    services.request_take(request=mine, by=operator, at=msk(3, 10, 10))
    services.request_answer(request=mine, by=operator, text="Ответ.", at=msk(3, 10, 11))
    with time_machine.travel(msk(3, 20, 12), tick=False):
        services.request_rate(request=mine, by=applicant_user, score=4)
    services.request_reopen(request=mine, by=operator, reason="Ещё.", at=msk(3, 22, 10))
    services.request_answer(request=mine, by=operator, text="Ещё ответ.", at=msk(3, 23, 10))
    with time_machine.travel(msk(4, 2, 12), tick=False):
        services.request_rate(request=mine, by=applicant_user, score=5)
    rollups_refresh()
    march_report = report(ReportQuery(period=MARCH), today=TODAY).total
    assert (march_report["ratings"], march_report["csat_average"]) == (1, 4.0)
    spring = ReportQuery(period=Period(date(2021, 3, 1), date(2021, 4, 30)))
    assert figures(spring)["figures"]["csat_average"] == 4.5
    assert figures(spring) == figures(spring, RawSource())


def test_nearest_rank_percentiles():
    from collections import Counter

    assert nearest_rank(Counter(), 0.5) is None
    assert nearest_rank(Counter({2: 1}), 0.9) == 2
    days = Counter({1: 5, 2: 4, 9: 1})  # ten answers
    assert nearest_rank(days, 0.5) == 1
    assert nearest_rank(days, 0.9) == 2
    assert nearest_rank(days, 0.95) == 9
