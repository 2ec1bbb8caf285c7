"""Properties of the arithmetic over every covered day, checked against a naive day walk."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stroydesk.workcalendar.calendar import CalendarRangeError, ProductionCalendar

CAL = ProductionCalendar.from_file()
SKIPPING = ProductionCalendar.from_file(skip_decreed=True)
FIRST, LAST = date(2020, 1, 1), date(2027, 12, 31)

covered_dates = st.dates(min_value=FIRST, max_value=LAST)
calendars = st.sampled_from([CAL, SKIPPING])
small_n = st.integers(min_value=0, max_value=300)


def naive_add(cal: ProductionCalendar, d: date, n: int) -> date:
    """Walk day by day: the definition the bisection must agree with."""
    day = d if n == 0 else d + timedelta(days=1)
    remaining = max(n, 1)
    while True:
        if cal.is_working_day(day):
            remaining -= 1
            if remaining == 0:
                return day
        day += timedelta(days=1)


@settings(max_examples=300)
@given(cal=calendars, d=covered_dates, n=small_n)
def test_add_agrees_with_a_day_by_day_walk(cal, d, n):
    try:
        expected = naive_add(cal, d, n)
    except CalendarRangeError:
        with pytest.raises(CalendarRangeError):
            cal.add_working_days(d, n)
        return
    assert cal.add_working_days(d, n) == expected


@given(cal=calendars, d=covered_dates, n=small_n)
def test_the_result_of_add_is_always_a_working_day_not_before_d(cal, d, n):
    try:
        result = cal.add_working_days(d, n)
    except CalendarRangeError:
        return
    assert cal.is_working_day(result)
    assert result > d if n > 0 else result >= d


@given(cal=calendars, d=covered_dates, n=st.integers(min_value=1, max_value=300))
def test_counting_after_adding_n_gives_back_n(cal, d, n):
    try:
        result = cal.add_working_days(d, n)
    except CalendarRangeError:
        return
    assert cal.working_days_between(d + timedelta(days=1), result) == n


@given(cal=calendars, a=covered_dates, b=covered_dates, n=small_n)
def test_add_is_monotonic_in_the_start_date(cal, a, b, n):
    a, b = min(a, b), max(a, b)
    try:
        later = cal.add_working_days(b, n)
    except CalendarRangeError:
        return
    assert cal.add_working_days(a, n) <= later


@given(cal=calendars, d=covered_dates, n=st.integers(min_value=1, max_value=300))
def test_add_is_strictly_increasing_in_n(cal, d, n):
    # From n = 1 on; n = 0 and n = 1 coincide when d is a day off.
    try:
        after = cal.add_working_days(d, n + 1)
    except CalendarRangeError:
        return
    assert cal.add_working_days(d, n) < after
    assert cal.add_working_days(d, 0) <= cal.add_working_days(d, 1)


@given(cal=calendars, a=covered_dates, b=covered_dates, c=covered_dates)
def test_counts_of_adjacent_ranges_add_up(cal, a, b, c):
    a, b, c = sorted([a, b, c])
    if b == a:
        return
    left = cal.working_days_between(a, b - timedelta(days=1))
    assert left + cal.working_days_between(b, c) == cal.working_days_between(a, c)


@given(d=covered_dates)
def test_skipping_decreed_days_never_adds_working_days(d):
    assert SKIPPING.is_working_day(d) <= CAL.is_working_day(d)
