"""Report periods: kinds, the period before, the year before, buckets, refusals."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from stroydesk.stats.periods import (
    Period,
    PeriodError,
    buckets,
    custom_period,
    period_of,
)

TODAY = date(2021, 6, 15)


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        ("day", date(2021, 3, 5), date(2021, 3, 5), date(2021, 3, 5)),
        ("week", date(2021, 3, 5), date(2021, 3, 1), date(2021, 3, 7)),
        ("month", date(2020, 2, 10), date(2020, 2, 1), date(2020, 2, 29)),
        ("quarter", date(2021, 5, 20), date(2021, 4, 1), date(2021, 6, 30)),
        ("quarter", date(2021, 12, 31), date(2021, 10, 1), date(2021, 12, 31)),
        ("year", date(2021, 7, 1), date(2021, 1, 1), date(2021, 12, 31)),
    ],
)
def test_period_of(kind, day, start, end):
    assert period_of(kind, day) == Period(start, end, kind)


def test_the_period_before_and_the_year_before():
    assert period_of("month", date(2021, 3, 1)).previous() == period_of("month", date(2021, 2, 1))
    assert period_of("quarter", date(2021, 2, 1)).previous().start == date(2020, 10, 1)
    assert period_of("week", date(2021, 3, 3)).previous().start == date(2021, 2, 22)
    custom = Period(date(2021, 3, 10), date(2021, 3, 19))
    assert custom.previous() == Period(date(2021, 2, 28), date(2021, 3, 9))
    leap = period_of("month", date(2020, 2, 1))
    assert leap.year_before() == Period(date(2019, 2, 1), date(2019, 2, 28), "month")


def test_buckets_are_clipped_to_the_period():
    months = buckets(Period(date(2021, 1, 15), date(2021, 3, 10)), "month")
    assert [(b.start, b.end) for b in months] == [
        (date(2021, 1, 15), date(2021, 1, 31)),
        (date(2021, 2, 1), date(2021, 2, 28)),
        (date(2021, 3, 1), date(2021, 3, 10)),
    ]
    assert len(buckets(period_of("year", date(2021, 1, 1)), "week")) == 53


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (date(2021, 5, 1), date(2021, 4, 1), "swap"),
        (date(1921, 1, 1), date(2021, 1, 1), "2000"),
        (date(2021, 1, 1), date(2121, 1, 1), "31.12.2022"),
        (date(2010, 1, 1), date(2020, 12, 31), "at most 5 years"),
    ],
)
def test_absurd_periods_are_refused(start, end, words):
    with translation.override("en"), pytest.raises(PeriodError, match=words):
        custom_period(start, end, today=TODAY)


def test_a_five_year_period_is_fine():
    assert custom_period(date(2017, 1, 1), date(2021, 12, 31), today=TODAY).days == 1826
