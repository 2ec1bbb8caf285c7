"""The process-wide cached calendar: the data file with the admin's rows laid over it.

A build costs two small queries and a few milliseconds. It is kept for ``TTL_SECONDS`` so that
other processes (web workers, job workers) pick up an admin edit within that time, and dropped at
once in the process that made the edit (``services`` calls ``invalidate``). Tests call
``invalidate`` (through ``selectors.reset_calendar_cache``) between cases.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cache

from .calendar import (
    CalendarData,
    DayKind,
    ProductionCalendar,
    SpecialDay,
    YearInfo,
    load_calendar_file,
)
from .models import CalendarDay, CalendarYear

TTL_SECONDS = 60.0


@dataclass
class _Entry:
    data: CalendarData
    loaded_at: float
    calendars: dict[bool, ProductionCalendar] = field(default_factory=dict)


_lock = threading.Lock()
_entry: _Entry | None = None


@cache
def file_data() -> CalendarData:
    """The shipped data file, parsed once per process (it only changes with a deploy)."""
    return load_calendar_file()


def database_overrides() -> tuple[list[SpecialDay], list[YearInfo]]:
    """The admin's calendar days and years, as the pure module's value objects."""
    days = [
        SpecialDay(day=day, kind=DayKind(kind), note=note)
        for day, kind, note in CalendarDay.objects.values_list("date", "kind", "note")
    ]
    years = [
        YearInfo(
            year=year,
            source=source,
            provisional=provisional,
            provisional_reason=source if provisional else "",
        )
        for year, source, provisional in CalendarYear.objects.values_list(
            "year", "source", "is_provisional"
        )
    ]
    return days, years


def get_calendar(*, skip_decreed: bool) -> ProductionCalendar:
    """The cached calendar for the given treatment of decreed days, rebuilt when stale."""
    entry = _fresh_entry()
    calendar = entry.calendars.get(skip_decreed)
    if calendar is None:
        calendar = ProductionCalendar(entry.data, skip_decreed=skip_decreed)
        entry.calendars[skip_decreed] = calendar
    return calendar


def invalidate() -> None:
    """Forget the cached calendar in this process; the next call rebuilds it."""
    global _entry
    with _lock:
        _entry = None


def _fresh_entry() -> _Entry:
    global _entry
    entry = _entry
    if entry is not None and time.monotonic() - entry.loaded_at < TTL_SECONDS:
        return entry
    with _lock:
        entry = _entry
        if entry is None or time.monotonic() - entry.loaded_at >= TTL_SECONDS:
            days, years = database_overrides()
            entry = _Entry(data=file_data().merged(days, years), loaded_at=time.monotonic())
            _entry = entry
        return entry
