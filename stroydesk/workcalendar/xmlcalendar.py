"""The machine-readable production calendar that Russian calendar services publish, read and
compared with the stored one. Pure Python, like ``calendar.py``: no Django, no database.

The format (xmlcalendar.ru, described in the README of github.com/xmlcalendar/data), one file
per year::

    <calendar year="2027" lang="ru" date="2026.09.02" country="ru">
      <holidays><holiday id="1" title="Новогодние каникулы"/> …</holidays>
      <days><day d="01.01" t="1" h="1"/> … <day d="02.22" t="1" f="02.20"/> …</days>
    </calendar>

``d`` is MM.DD; ``t`` is 1 (day off), 2 (shortened working day, any day of the week) or 3
(working Saturday or Sunday); ``h`` names a holiday of ``<holidays>``; ``f`` is the MM.DD the
day off was transferred from. A Saturday or Sunday not listed is off, a weekday not listed works.

The file says whether a day is off, not why, so a weekday off that is not a holiday of
ст. 112 ТК РФ is read as a transferred day off (a presidential non-working day stored as
``decreed_day_off`` is left as it is, see ``diff_year``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .calendar import (
    ARTICLE_112_HOLIDAYS,
    FIRST_SUPPORTED_YEAR,
    LAST_SUPPORTED_YEAR,
    CalendarData,
    CalendarDataError,
    DayKind,
    ProductionCalendar,
    SpecialDay,
    YearInfo,
    check_day_kind,
)

MAX_FILE_BYTES = 1_000_000  # a year is ~2 KB; anything near this is not a calendar
_MONTH_DAY = re.compile(r"^(\d{2})\.(\d{2})$")
_WEEKDAYS_RU = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
SHORT_NOTE = "Предпраздничный день, сокращён на 1 час (ст. 95 ТК РФ)"
DAY_OFF = "1"
SHORT = "2"
WORKING_WEEKEND = "3"


@dataclass(frozen=True)
class ImportedYear:
    """One year of an XML calendar, as the special days this app stores."""

    year: int
    days: dict[date, SpecialDay]
    published: str = ""


@dataclass(frozen=True)
class DayChange:
    """A date whose status the import changes; ``None`` is an ordinary weekday or weekend."""

    day: date
    before: SpecialDay | None
    after: SpecialDay | None


@dataclass(frozen=True)
class YearDiff:
    """What importing a year would change, and the year's working-day total before → after."""

    year: int
    changes: list[DayChange]
    stored: YearInfo | None
    working_days_before: int | None
    working_days_after: int


def _fail(name: str, message: str) -> CalendarDataError:
    return CalendarDataError(f"{name}: {message}")


def _month_day(value: str | None, year: int, *, name: str, what: str) -> date:
    match = _MONTH_DAY.match(value or "")
    if not match:
        raise _fail(name, f"{what}={value!r} is not MM.DD")
    try:
        return date(year, int(match.group(1)), int(match.group(2)))
    except ValueError:
        raise _fail(name, f"{what}={value!r} is not a date in {year}") from None


def _short(day: date) -> str:
    return f"{_WEEKDAYS_RU[day.weekday()]} {day:%d.%m}"


def parse_xmlcalendar(content: bytes, *, name: str = "file") -> ImportedYear:
    """Read one year of the XML calendar; a malformed file raises ``CalendarDataError``."""
    if len(content) > MAX_FILE_BYTES:
        raise _fail(name, f"larger than {MAX_FILE_BYTES} bytes: not a production calendar")
    try:
        root = fromstring(content)
    except (ParseError, DefusedXmlException) as exc:
        raise _fail(name, f"not a well-formed XML calendar ({exc})") from None
    if root.tag != "calendar":
        raise _fail(name, f"the root element is <{root.tag}>, expected <calendar>")
    year = _year(root, name)
    country = root.get("country")
    if country is not None and country.lower() != "ru":
        raise _fail(name, f"country={country!r}: only the Russian calendar (ru) can be imported")
    titles = {
        holiday.get("id", ""): (holiday.get("title") or "").strip()
        for holiday in root.iterfind("./holidays/holiday")
    }
    raw: dict[date, tuple[str, str, date | None]] = {}
    for element in root.iterfind("./days/day"):
        day = _month_day(element.get("d"), year, name=name, what="d")
        where = f"day {element.get('d')}"
        if day in raw:
            raise _fail(name, f"{where} is listed twice")
        kind = element.get("t")
        if kind not in (DAY_OFF, SHORT, WORKING_WEEKEND):
            raise _fail(
                name,
                f"{where}: unknown type t={kind!r} "
                "(1 day off, 2 shortened working day, 3 working Saturday or Sunday)",
            )
        holiday_id = element.get("h")
        if holiday_id is not None and holiday_id not in titles:
            raise _fail(name, f"{where}: holiday h={holiday_id!r} is not in <holidays>")
        moved_from = None
        if element.get("f") is not None:
            moved_from = _month_day(element.get("f"), year, name=name, what=f"{where}: f")
        raw[day] = (kind, titles.get(holiday_id or "", ""), moved_from)
    return ImportedYear(
        year=year, days=_special_days(year, raw, name), published=root.get("date", "")
    )


def _year(root: Element, name: str) -> int:
    value = root.get("year")
    if value is None:
        raise _fail(name, "<calendar> has no year attribute")
    # isascii: «²» and other Unicode digits pass isdigit() and then fail int().
    if not (value.isascii() and value.isdigit()) or not (
        FIRST_SUPPORTED_YEAR <= int(value) <= LAST_SUPPORTED_YEAR
    ):
        raise _fail(
            name,
            f"year={value!r} is not a year from {FIRST_SUPPORTED_YEAR} to {LAST_SUPPORTED_YEAR}",
        )
    return int(value)


def _special_days(
    year: int, raw: dict[date, tuple[str, str, date | None]], name: str
) -> dict[date, SpecialDay]:
    moved_to = {source: day for day, (_t, _h, source) in raw.items() if source is not None}
    days: dict[date, SpecialDay] = {}
    for (month, dom), holiday in ARTICLE_112_HOLIDAYS.items():
        listed = raw.get(date(year, month, dom))
        if listed is None or listed[0] != DAY_OFF:
            raise _fail(
                name,
                f"{dom:02d}.{month:02d} ({holiday}) is a public holiday by ст. 112 ТК РФ, "
                "but the file does not make it a day off",
            )
    for day, (kind, title, moved_from) in sorted(raw.items()):
        special = _special_day(day, kind, title, moved_from, moved_to.get(day))
        if special is None:
            continue
        try:
            check_day_kind(day, special.kind)
        except CalendarDataError as exc:
            raise _fail(name, f"day {day:%m.%d}: {exc}") from None
        days[day] = special
    return days


def _special_day(
    day: date, kind: str, title: str, moved_from: date | None, moved_to: date | None
) -> SpecialDay | None:
    weekend = day.weekday() >= 5
    if kind == DAY_OFF:
        if (day.month, day.day) in ARTICLE_112_HOLIDAYS:
            name = title or ARTICLE_112_HOLIDAYS[(day.month, day.day)]
            return SpecialDay(day=day, kind=DayKind.HOLIDAY, note=name)
        if weekend:
            return None  # a Saturday or Sunday is off anyway
        if moved_from is not None:
            note = f"Выходной перенесён с {_short(moved_from)}"
        else:
            note = title or "Нерабочий день"
        return SpecialDay(day=day, kind=DayKind.TRANSFERRED_DAY_OFF, note=note)
    if not weekend and kind == SHORT:
        return SpecialDay(day=day, kind=DayKind.SHORT_DAY, note=SHORT_NOTE)
    # A worked Saturday/Sunday (t=3, or t=2 when also shortened); check_day_kind refuses a
    # weekday here, since t=3 exists only for weekends.
    parts = ["Рабочий день"]
    if moved_to is not None:
        parts[0] += f": выходной перенесён на {_short(moved_to)}"
    if kind == SHORT:
        parts.append("сокращённый предпраздничный день (ст. 95 ТК РФ)")
    return SpecialDay(day=day, kind=DayKind.WORKING_WEEKEND, note="; ".join(parts))


def _same(before: SpecialDay | None, after: SpecialDay | None) -> bool:
    if before is None or after is None:
        return before is after
    if before.kind is DayKind.DECREED_DAY_OFF and after.kind is DayKind.TRANSFERRED_DAY_OFF:
        return True  # the XML cannot tell a presidential non-working day from a transfer
    return before.kind is after.kind


def imported_data(stored: CalendarData, imported: ImportedYear, source: str) -> CalendarData:
    """The stored data with the imported year's days in place of the stored ones."""
    days = {d: s for d, s in stored.days.items() if d.year != imported.year}
    for day, special in imported.days.items():
        kept = stored.days.get(day)
        days[day] = kept if kept is not None and _same(kept, special) else special
    years = dict(stored.years)
    years[imported.year] = YearInfo(year=imported.year, source=source)
    return CalendarData(days=days, years=years)


def diff_year(stored: CalendarData, imported: ImportedYear) -> YearDiff:
    """Compare the imported year with the stored data (file + admin rows), day by day."""
    year = imported.year
    before_calendar = ProductionCalendar(stored)
    covered = year in before_calendar.covered_years
    after_calendar = ProductionCalendar(imported_data(stored, imported, source="import"))
    dates: Iterable[date] = sorted(
        {d for d in stored.days if d.year == year}
        | set(imported.days)
        | {date(year, m, d) for m, d in ARTICLE_112_HOLIDAYS}
    )
    changes = []
    for day in dates:
        before = before_calendar.special_day(day) if covered else None
        after = after_calendar.special_day(day)
        if not _same(before, after):
            changes.append(DayChange(day=day, before=before, after=after))
    return YearDiff(
        year=year,
        changes=changes,
        stored=stored.years.get(year),
        working_days_before=before_calendar.working_days_in_year(year) if covered else None,
        working_days_after=after_calendar.working_days_in_year(year),
    )
