"""Changes to the production calendar, each followed by dropping the cached calendar.

Edits go through here (the admin included) so that the process that made one sees it at once;
other processes see it within ``loader.TTL_SECONDS``. Reads are in ``workcalendar.selectors``.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from . import loader
from .calendar import ARTICLE_112_HOLIDAYS, CalendarDataError, DayKind
from .models import CalendarDay, CalendarYear
from .xmlcalendar import ImportedYear, YearDiff, diff_year


def _calendar_changed() -> None:
    # Now, so that this process reads its own write; again on commit, because a calendar rebuilt
    # in between from this transaction's view must not outlive it.
    loader.invalidate()
    transaction.on_commit(loader.invalidate)


@transaction.atomic
def calendar_day_set(*, day: date, kind: str, note: str = "") -> CalendarDay:
    """Declare what a date is (insert or replace its row); validated like the admin form."""
    CalendarDay(date=day, kind=kind, note=note).full_clean(validate_unique=False)
    calendar_day, _ = CalendarDay.objects.update_or_create(
        date=day, defaults={"kind": kind, "note": note}
    )
    _calendar_changed()
    return calendar_day


@transaction.atomic
def calendar_day_save(*, calendar_day: CalendarDay) -> CalendarDay:
    """Validate and save an edited row (the admin's path)."""
    calendar_day.full_clean()
    calendar_day.save()
    _calendar_changed()
    return calendar_day


@transaction.atomic
def calendar_day_delete(*, calendar_day: CalendarDay) -> None:
    """Remove an override: the date falls back to the data file (or the plain weekday rule)."""
    calendar_day.delete()
    _calendar_changed()


@transaction.atomic
def calendar_year_save(*, calendar_year: CalendarYear) -> CalendarYear:
    """Declare a year covered (or correct a file year's source / provisional flag)."""
    calendar_year.full_clean()
    calendar_year.save()
    _calendar_changed()
    return calendar_year


@transaction.atomic
def calendar_year_delete(*, calendar_year: CalendarYear) -> None:
    """Withdraw the admin's declaration of a year; a file year stays covered by the file."""
    calendar_year.delete()
    _calendar_changed()


@transaction.atomic
def calendar_year_import(
    *, imported: ImportedYear, source: str = "", provisional: bool = False
) -> YearDiff:
    """Make the stored year what an imported XML calendar says, through admin rows.

    Only the days that differ are written (the data file stays the baseline). A year that is
    missing or provisional needs ``source``, the act it now follows; a covered, confirmed year
    keeps its row unless a source is given. Raises ``CalendarDataError`` when a change cannot be
    expressed as a row; the transaction then leaves everything as it was.
    """
    stored = loader.file_data().merged(*loader.database_overrides())
    diff = diff_year(stored, imported)
    info = diff.stored
    source = source.strip()
    if not source and (info is None or info.provisional):
        raise CalendarDataError(
            f"{imported.year} is {'missing' if info is None else 'provisional'}: "
            "name the act the file follows (the Government decree) as its source"
        )
    if source:
        CalendarYear(year=imported.year, source=source, is_provisional=provisional).full_clean(
            validate_unique=False
        )
    for change in diff.changes:
        if change.after is not None:
            note = f"{change.after.note} ({source})" if source else change.after.note
            calendar_day_set(day=change.day, kind=change.after.kind.value, note=note[:500])
            continue
        CalendarDay.objects.filter(date=change.day).delete()
        if _file_special(change.day):
            # The file still makes the day special: only a row can make it ordinary again.
            if change.day.weekday() >= 5:
                raise CalendarDataError(
                    f"{change.day.isoformat()} is a {change.day:%A} the data file makes "
                    "special; a row cannot make it an ordinary day off: correct the data file"
                )
            calendar_day_set(
                day=change.day,
                kind=DayKind.WORKING_DAY.value,
                note=f"Рабочий день ({source})"[:500],
            )
    if source:
        CalendarYear.objects.update_or_create(
            year=imported.year, defaults={"source": source, "is_provisional": provisional}
        )
    _calendar_changed()
    return diff


def _file_special(day: date) -> bool:
    return day in loader.file_data().days or (day.month, day.day) in ARTICLE_112_HOLIDAYS
