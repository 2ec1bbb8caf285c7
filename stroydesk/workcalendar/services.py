"""Changes to the production calendar, each followed by dropping the cached calendar.

Edits go through here (the admin included) so that the process that made one sees it at once;
other processes see it within ``loader.TTL_SECONDS``. Reads are in ``workcalendar.selectors``.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from . import loader
from .models import CalendarDay, CalendarYear


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
