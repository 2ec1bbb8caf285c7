"""The calendar of the service: which days it runs and which days a family may choose.

Decision (documented in the README): moves and deliveries run on the working days of the
Russian production calendar and on ordinary Saturdays, because families move when they are
free from work; Sundays, public holidays and transferred days off are rest days of the crews.
A Saturday made a working day by a transfer runs too, of course.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from stroydesk.workcalendar import selectors as workdays

SATURDAY = 5


def max_reschedules() -> int:
    """How many times a family may move an order's day (``RELOCATION_MAX_RESCHEDULES``)."""
    return int(getattr(settings, "RELOCATION_MAX_RESCHEDULES", 2))


def code_attempts_limit() -> int:
    """Wrong binding codes before the household's code locks (``RELOCATION_CODE_ATTEMPTS``)."""
    return int(getattr(settings, "RELOCATION_CODE_ATTEMPTS", 5))


def service_runs_on(day: date) -> bool:
    """Whether crews work on this day (see the module's docstring)."""
    try:
        if workdays.is_working_day(day):
            return True
        return day.weekday() == SATURDAY and workdays.special_day(day) is None
    except workdays.CalendarRangeError:
        return False  # outside the known calendar nobody can promise a crew


def bookable_days(*, start: date, end: date, today: date) -> list[date]:
    """Service days in [start, end] that may still be ordered (from tomorrow on)."""
    first = max(start, today + timedelta(days=1))
    days = []
    day = first
    while day <= end:
        if service_runs_on(day):
            days.append(day)
        day += timedelta(days=1)
    return days
