"""Warnings for administrators: the year in force or, from October 1, next year is missing or
provisional. A decree on the next year's transfers comes every autumn (August–October); until it
is entered, deadlines that reach that year are refused (missing) or may be wrong (provisional).

Shown by Django's system checks (``workcalendar.W001``, ``workcalendar.W002``) and on the admin
index (``templatetags/workcalendar_admin.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import loader, selectors
from .calendar import YearInfo, moscow_date

NEXT_YEAR_FROM = (10, 1)  # month, day (Moscow) from which next year is expected
TAG = "workcalendar"


@dataclass(frozen=True)
class YearNotice:
    """A year the calendar should cover and does not, or covers only provisionally."""

    year: int
    missing: bool
    reason: str = ""

    @property
    def check_id(self) -> str:
        return "workcalendar.W001" if self.missing else "workcalendar.W002"

    def message(self) -> str:
        if self.missing:
            return _(
                "The production calendar does not cover %(year)s: deadlines that reach it "
                "cannot be computed."
            ) % {"year": self.year}
        return _("The production calendar for %(year)s is provisional: %(reason)s") % {
            "year": self.year,
            "reason": self.reason,
        }

    def hint(self) -> str:
        return _(
            "Enter the Government decree on the transfer of days off in %(year)s: "
            "«manage.py workdays import FILE --apply --source …» with the XML production "
            "calendar, or the calendar days and the calendar year in the admin."
        ) % {"year": self.year}


def year_notices(*, today: date, years: Mapping[int, YearInfo]) -> list[YearNotice]:
    """This year, and next year from October 1, when missing or provisional."""
    wanted = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_FROM:
        wanted.append(today.year + 1)
    notices = []
    for year in wanted:
        info = years.get(year)
        if info is None:
            notices.append(YearNotice(year=year, missing=True))
        elif info.provisional:
            notices.append(YearNotice(year=year, missing=False, reason=info.provisional_reason))
    return notices


def current_notices() -> list[YearNotice]:
    """The notices for today's Moscow date over the calendar in force (file + admin rows)."""
    try:
        years = selectors.get_calendar().data.years
    except DatabaseError:
        # Before ``migrate``, or with the database down: the data file alone still tells.
        years = loader.file_data().years
    return year_notices(today=moscow_date(timezone.now()), years=years)


@checks.register(TAG)
def check_calendar_years(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if app_configs is not None and not any(c.label == "workcalendar" for c in app_configs):
        return []
    return [
        checks.Warning(notice.message(), hint=notice.hint(), id=notice.check_id)
        for notice in current_notices()
    ]
