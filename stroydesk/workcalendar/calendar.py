"""The Russian production calendar as a value object, and working-day arithmetic over it.

Pure Python: no Django, no database, no request. ``load_calendar_file`` reads the data file
into ``CalendarData`` (special days + the years they cover); ``CalendarData.merged`` lays
overrides (the admin's rows) over it; ``ProductionCalendar`` precomputes a sorted array of
working days so that ``add_working_days`` and ``working_days_between`` are a couple of
bisections. The cached, settings-aware entry points live in ``selectors.py``.
"""

from __future__ import annotations

import csv
import enum
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")
DATA_FILE = Path(__file__).resolve().parent / "data" / "ru_production_calendar.csv"

_SOURCE_LINE = re.compile(r"^#\s*(source|provisional)\s+(\d{4})\s*:\s*(.+)$")


class DayKind(enum.StrEnum):
    """What makes a date special; the same values as ``CalendarDay.Kind``."""

    HOLIDAY = "holiday"
    TRANSFERRED_DAY_OFF = "transferred_day_off"
    WORKING_WEEKEND = "working_weekend"
    DECREED_DAY_OFF = "decreed_day_off"
    SHORT_DAY = "short_day"
    WORKING_DAY = "working_day"


# Нерабочие праздничные дни, ч. 1 ст. 112 ТК РФ (this list since 2013, ФЗ от 23.04.2012 № 35-ФЗ).
# Implied in every covered year, so that a year declared in the admin needs only its transfers.
ARTICLE_112_HOLIDAYS: dict[tuple[int, int], str] = {
    **{(1, d): "Новогодние каникулы" for d in (1, 2, 3, 4, 5, 6, 8)},
    (1, 7): "Рождество Христово",
    (2, 23): "День защитника Отечества",
    (3, 8): "Международный женский день",
    (5, 1): "Праздник Весны и Труда",
    (5, 9): "День Победы",
    (6, 12): "День России",
    (11, 4): "День народного единства",
}
FIRST_SUPPORTED_YEAR = 2013
LAST_SUPPORTED_YEAR = 2100  # catches a mistyped year (20027)

# Which weekdays a kind may fall on (Mon=0): a transfer makes a weekday off or a weekend working.
_WEEKDAYS = frozenset(range(5))
_WEEKEND = frozenset({5, 6})
ALLOWED_WEEKDAYS: dict[DayKind, frozenset[int]] = {
    DayKind.HOLIDAY: _WEEKDAYS | _WEEKEND,
    DayKind.TRANSFERRED_DAY_OFF: _WEEKDAYS,
    DayKind.WORKING_WEEKEND: _WEEKEND,
    DayKind.DECREED_DAY_OFF: _WEEKDAYS,
    DayKind.SHORT_DAY: _WEEKDAYS,
    DayKind.WORKING_DAY: _WEEKDAYS | _WEEKEND,
}


class CalendarDataError(ValueError):
    """The data file (or an override) is malformed; raised while loading, never guessed past."""


class CalendarRangeError(ValueError):
    """A date falls in a year the production calendar does not cover."""

    def __init__(self, year: int, covered: Iterable[int]) -> None:
        self.year = year
        self.covered = tuple(sorted(covered))
        super().__init__(
            f"no production calendar for {year}; covered: {format_years(self.covered) or 'none'}"
        )


@dataclass(frozen=True)
class SpecialDay:
    """One row of the calendar: a date that is not an ordinary Mon–Fri working / weekend day."""

    day: date
    kind: DayKind
    note: str = ""


@dataclass(frozen=True)
class YearInfo:
    """A covered year: the official acts it comes from, and whether it is still provisional."""

    year: int
    source: str
    provisional: bool = False
    provisional_reason: str = ""


@dataclass(frozen=True)
class CalendarData:
    """Special days and covered years, before any arithmetic is precomputed."""

    days: Mapping[date, SpecialDay] = field(default_factory=dict)
    years: Mapping[int, YearInfo] = field(default_factory=dict)

    def merged(
        self, days: Iterable[SpecialDay] = (), years: Iterable[YearInfo] = ()
    ) -> CalendarData:
        """A copy where the given days and years replace this data's rows for the same key."""
        merged_days = dict(self.days)
        merged_days.update((d.day, d) for d in days)
        merged_years = dict(self.years)
        merged_years.update((y.year, y) for y in years)
        return CalendarData(days=merged_days, years=merged_years)


def format_years(years: Iterable[int]) -> str:
    """``2020–2027, 2029``: runs of consecutive years joined with an en dash."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def check_day_kind(day: date, kind: DayKind) -> None:
    """Refuse a kind on a weekday it cannot have (e.g. a "working weekend" on a Tuesday)."""
    if day.weekday() not in ALLOWED_WEEKDAYS[kind]:
        raise CalendarDataError(f"{day.isoformat()} is a {day:%A}: it cannot be {kind.value}")


def load_calendar_file(path: Path = DATA_FILE) -> CalendarData:
    """Parse the CSV data file; every row's year must be declared by a ``# source`` line."""
    text = path.read_text(encoding="utf-8")
    years: dict[int, YearInfo] = {}
    provisional: dict[int, str] = {}
    data_lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            match = _SOURCE_LINE.match(line)
            if match:
                what, year, value = match.group(1), int(match.group(2)), match.group(3).strip()
                if what == "source":
                    years[year] = YearInfo(year=year, source=value)
                else:
                    provisional[year] = value
        elif line.strip():
            data_lines.append(line)
    if any(year < FIRST_SUPPORTED_YEAR for year in years):
        raise CalendarDataError(
            f"{path.name}: years before {FIRST_SUPPORTED_YEAR} are not supported"
        )
    for year, reason in provisional.items():
        if year not in years:
            raise CalendarDataError(f"{path.name}: provisional {year} has no source line")
        years[year] = replace(years[year], provisional=True, provisional_reason=reason)

    days: dict[date, SpecialDay] = {}
    reader = csv.DictReader(data_lines)
    if reader.fieldnames != ["date", "kind", "note"]:
        raise CalendarDataError(f"{path.name}: the header must be date,kind,note")
    for number, row in enumerate(reader, start=2):
        where = f"{path.name}, data row {number}"
        try:
            day = date.fromisoformat(row["date"])
            kind = DayKind(row["kind"])
        except (TypeError, ValueError) as exc:
            raise CalendarDataError(f"{where}: {exc}") from None
        if day in days:
            raise CalendarDataError(f"{where}: {day.isoformat()} is listed twice")
        if day.year not in years:
            raise CalendarDataError(f"{where}: year {day.year} has no '# source' line")
        try:
            check_day_kind(day, kind)
        except CalendarDataError as exc:
            raise CalendarDataError(f"{where}: {exc}") from None
        days[day] = SpecialDay(day=day, kind=kind, note=(row["note"] or "").strip())
    return CalendarData(days=days, years=years)


def moscow_date(dt: datetime) -> date:
    """The calendar date in Moscow of an aware datetime (naive ones are refused, not guessed)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("a naive datetime has no Moscow date; pass an aware datetime")
    return dt.astimezone(MOSCOW).date()


def start_of_day(d: date) -> datetime:
    """00:00:00 Moscow time of the date, as an aware datetime."""
    return datetime.combine(_plain_date(d), time(0, 0, 0), tzinfo=MOSCOW)


def end_of_day(d: date) -> datetime:
    """23:59:59 Moscow time of the date, as an aware datetime: the moment a deadline ends."""
    return datetime.combine(_plain_date(d), time(23, 59, 59), tzinfo=MOSCOW)


def _plain_date(d: date) -> date:
    # datetime is a subclass of date: a UTC datetime passed here would silently give the
    # wrong Moscow day, so the caller has to say which day it means.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}; use moscow_date() first")
    return d


class ProductionCalendar:
    """Working-day arithmetic over ``CalendarData`` for covered years only.

    The holidays of ч. 1 ст. 112 ТК РФ are implied in every covered year; the data's rows
    (file, then admin) override them and say everything else: transfers, decrees.

    ``skip_decreed`` decides whether presidential non-working days (2020, 2021) are days off;
    with it off they count as working, as in the official yearly totals.
    """

    def __init__(self, data: CalendarData, *, skip_decreed: bool = False) -> None:
        self.data = data
        self.skip_decreed = skip_decreed
        self.covered_years: frozenset[int] = frozenset(data.years)
        working: list[int] = []
        for year in sorted(self.covered_years):
            day = date(year, 1, 1)
            while day.year == year:
                if self._compute_working(day):
                    working.append(day.toordinal())
                day += timedelta(days=1)
        self._working = working
        self._working_set = frozenset(working)

    @classmethod
    def from_file(cls, path: Path = DATA_FILE, *, skip_decreed: bool = False) -> ProductionCalendar:
        """The calendar of the data file alone, without database overrides."""
        return cls(load_calendar_file(path), skip_decreed=skip_decreed)

    @property
    def provisional_years(self) -> frozenset[int]:
        return frozenset(y for y, info in self.data.years.items() if info.provisional)

    def _special(self, day: date) -> SpecialDay | None:
        special = self.data.days.get(day)
        if special is None and (day.month, day.day) in ARTICLE_112_HOLIDAYS:
            name = ARTICLE_112_HOLIDAYS[(day.month, day.day)]
            special = SpecialDay(day=day, kind=DayKind.HOLIDAY, note=f"{name} (ст. 112 ТК РФ)")
        return special

    def _compute_working(self, day: date) -> bool:
        special = self._special(day)
        kind = special.kind if special else None
        if kind in (DayKind.HOLIDAY, DayKind.TRANSFERRED_DAY_OFF):
            return False
        if kind in (DayKind.WORKING_WEEKEND, DayKind.WORKING_DAY, DayKind.SHORT_DAY):
            return True
        if kind is DayKind.DECREED_DAY_OFF and self.skip_decreed:
            return False
        return day.weekday() < 5

    def check_covered(self, *years: int) -> None:
        """Raise ``CalendarRangeError`` for the first of the years that is not covered."""
        for year in years:
            if year not in self.covered_years:
                raise CalendarRangeError(year, self.covered_years)

    def _check_span(self, first: date, last: date) -> None:
        self.check_covered(*range(first.year, last.year + 1))

    def special_day(self, d: date) -> SpecialDay | None:
        """The calendar row for the date, if it is special (holiday, transfer, decree…)."""
        d = _plain_date(d)
        self.check_covered(d.year)
        return self._special(d)

    def is_working_day(self, d: date) -> bool:
        d = _plain_date(d)
        self.check_covered(d.year)
        return d.toordinal() in self._working_set

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d``; for n = 0, ``d`` itself or the next working day."""
        d = _plain_date(d)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"the number of working days must be an int, got {n!r}")
        if n < 0:
            raise ValueError(f"the number of working days must not be negative, got {n}")
        self.check_covered(d.year)
        ordinal = d.toordinal()
        if n == 0:
            index = bisect_left(self._working, ordinal)
        else:
            index = bisect_right(self._working, ordinal) + n - 1
        if index >= len(self._working):
            # The answer lies past the last covered working day: name the first missing year.
            missing = next(y for y in range(d.year, 10000) if y not in self.covered_years)
            raise CalendarRangeError(missing, self.covered_years)
        result = date.fromordinal(self._working[index])
        self._check_span(d, result)  # a gap between covered years must not be jumped over
        return result

    def working_days_between(self, a: date, b: date) -> int:
        """How many working days the inclusive range [a, b] holds; a must not be after b."""
        a, b = _plain_date(a), _plain_date(b)
        if a > b:
            raise ValueError(f"the range is reversed: {a.isoformat()} is after {b.isoformat()}")
        self._check_span(a, b)
        return bisect_right(self._working, b.toordinal()) - bisect_left(
            self._working, a.toordinal()
        )

    def working_days_in_year(self, year: int) -> int:
        return self.working_days_between(date(year, 1, 1), date(year, 12, 31))

    def answer_due(self, escalated_at: datetime, working_days: int) -> datetime:
        """End (23:59:59 Moscow) of the n-th working day after the Moscow date of escalation."""
        return end_of_day(self.add_working_days(moscow_date(escalated_at), working_days))
