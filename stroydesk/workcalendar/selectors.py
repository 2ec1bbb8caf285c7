"""Working-day questions the rest of the project asks, answered from the cached calendar.

These run on every request creation and in list queries: no query per call (the calendar is
built once per process and cached, see ``loader.py``), O(log n) arithmetic. A date outside the
covered years raises ``CalendarRangeError`` (a ``ValueError``) instead of guessing.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings

from . import loader
from .calendar import (
    CalendarRangeError,
    ProductionCalendar,
    SpecialDay,
    YearInfo,
    end_of_day,
    moscow_date,
    start_of_day,
)

__all__ = [
    "CalendarRangeError",
    "add_working_days",
    "answer_due",
    "covered_years",
    "end_of_day",
    "get_calendar",
    "is_working_day",
    "moscow_date",
    "reset_calendar_cache",
    "special_day",
    "start_of_day",
    "working_days_between",
]


def get_calendar() -> ProductionCalendar:
    """The calendar in force: data file + admin rows, decreed days per the setting."""
    skip = bool(getattr(settings, "WORKCALENDAR_SKIP_DECREED_DAYS", False))
    return loader.get_calendar(skip_decreed=skip)


def reset_calendar_cache() -> None:
    """Drop this process's cached calendar (tests; services do it after every write)."""
    loader.invalidate()


def is_working_day(d: date) -> bool:
    """Whether the date is a working day under the production calendar."""
    return get_calendar().is_working_day(d)


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after ``d`` (n ≥ 0).

    Day 1 is the first working day strictly after ``d``, whatever ``d`` itself is. For n = 0 the
    answer is ``d`` when it is a working day, else the next working day.
    """
    return get_calendar().add_working_days(d, n)


def working_days_between(a: date, b: date) -> int:
    """The number of working days in the inclusive range [a, b]; ValueError when a > b."""
    return get_calendar().working_days_between(a, b)


def answer_due(escalated_at: datetime, working_days: int | None = None) -> datetime:
    """When an escalated request must be answered: 23:59:59 Moscow of the n-th working day.

    ``escalated_at`` must be aware; its Moscow date is day D and the count starts after it.
    ``working_days`` defaults to ``settings.ANSWER_DUE_WORKING_DAYS``, read at call time.
    """
    if working_days is None:
        working_days = int(getattr(settings, "ANSWER_DUE_WORKING_DAYS", 4))
    return get_calendar().answer_due(escalated_at, working_days)


def special_day(d: date) -> SpecialDay | None:
    """The calendar row that makes the date special (holiday, transfer…), or None."""
    return get_calendar().special_day(d)


def covered_years() -> list[YearInfo]:
    """The covered years with their sources, oldest first."""
    data = get_calendar().data
    return [data.years[year] for year in sorted(data.years)]
