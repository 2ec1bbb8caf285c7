"""Report periods: a day, an ISO week, a month, a quarter, a year or custom dates (inclusive).

Pure date arithmetic, no queries. A period knows the one before it (of the same kind and length)
and the same dates a year earlier, which the reports compare against, and how to cut itself
into buckets (days, weeks, months…) for a breakdown over time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

KINDS = ("day", "week", "month", "quarter", "year", "custom")
TIME_UNITS = ("day", "week", "month", "quarter", "year")

EARLIEST = date(2000, 1, 1)
# A report longer than this is a mistake in the dates (and would read years of rollups).
MAX_PERIOD_DAYS = 5 * 366


class PeriodError(ValueError):
    """The dates do not make a period a report can be built for; the message says why."""


@dataclass(frozen=True)
class Period:
    """Inclusive dates ``start``..``end`` (Moscow calendar days) of one kind."""

    start: date
    end: date
    kind: str = "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period just before: the previous month for a month, etc.; same length if custom."""
        if self.kind in ("day", "week", "custom"):
            length = timedelta(days=self.days)
            return Period(self.start - length, self.end - length, self.kind)
        if self.kind == "month":
            return period_of("month", self.start - timedelta(days=1))
        if self.kind == "quarter":
            return period_of("quarter", self.start - timedelta(days=1))
        return period_of("year", self.start - timedelta(days=1))

    def year_before(self) -> Period:
        """The same dates one year earlier (29 February becomes the 28th)."""
        return Period(_year_back(self.start), _year_back(self.end), self.kind)

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "kind": self.kind}


def period_of(kind: str, day: date) -> Period:
    """The period of this kind that contains ``day`` (for "custom", the day itself)."""
    if kind == "day" or kind == "custom":
        return Period(day, day, kind)
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6), kind)
    if kind == "month":
        start = day.replace(day=1)
        return Period(start, _next_month(start) - timedelta(days=1), kind)
    if kind == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        end = _next_month(_next_month(_next_month(start))) - timedelta(days=1)
        return Period(start, end, kind)
    if kind == "year":
        return Period(date(day.year, 1, 1), date(day.year, 12, 31), kind)
    raise PeriodError(_("Unknown period kind."))


def custom_period(start: date, end: date, *, today: date) -> Period:
    """A period of explicit dates, refused when reversed, absurd or too long."""
    check_dates(start, end, today=today)
    return Period(start, end, "custom")


def check_dates(start: date, end: date, *, today: date) -> None:
    if start > end:
        raise PeriodError(_("The period ends before it starts: swap the dates."))
    latest = date(today.year + 1, 12, 31)
    if start < EARLIEST or end > latest:
        raise PeriodError(
            _("Reports cover dates from %(earliest)s to %(latest)s.")
            % {"earliest": EARLIEST.strftime("%d.%m.%Y"), "latest": latest.strftime("%d.%m.%Y")}
        )
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError(
            _("A report covers at most %(years)d years; choose a shorter period.")
            % {"years": MAX_PERIOD_DAYS // 366}
        )


def bucket_start(unit: str, day: date) -> date:
    """The first day of the bucket of this unit that contains ``day``."""
    return period_of(unit, day).start


def buckets(period: Period, unit: str) -> list[Period]:
    """The buckets of ``unit`` that cover the period, clipped to it, in order."""
    result = []
    cursor = period.start
    while cursor <= period.end:
        bucket = period_of(unit, cursor)
        result.append(Period(max(bucket.start, period.start), min(bucket.end, period.end), unit))
        cursor = bucket.end + timedelta(days=1)
    return result


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
