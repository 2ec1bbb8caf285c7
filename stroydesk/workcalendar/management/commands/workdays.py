"""``manage.py workdays``: working-day arithmetic from the shell, for support and checks.

workdays add 2021-02-19 4          -> 2021-02-26
workdays count 2021-01-01 2021-12-31 -> 247
workdays is 2021-02-20             -> 2021-02-20 Sat: working (working_weekend: …)
workdays due 2021-02-19T15:00+03:00 [4] -> 2021-02-26T23:59:59+03:00
workdays years                     -> covered years with their sources
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from stroydesk.workcalendar import selectors
from stroydesk.workcalendar.calendar import CalendarRangeError


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: use YYYY-MM-DD") from None


def _days(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"invalid number of working days {value!r}: use 0, 1, 2…")
    return number


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid moment {value!r}: use ISO 8601 with an offset, e.g. 2021-02-19T15:00+03:00"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no UTC offset, e.g. +03:00")
    return moment


class Command(BaseCommand):
    help = "Working-day arithmetic over the production calendar (file + admin overrides)."
    requires_system_checks: list[str] = []  # a read-only calculator; keep its output clean

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = actions.add_parser("add", help="the n-th working day after a date")
        add.add_argument("date", type=_date)
        add.add_argument("days", type=_days)
        count = actions.add_parser("count", help="working days in an inclusive range")
        count.add_argument("start", type=_date, metavar="from")
        count.add_argument("end", type=_date, metavar="to")
        is_ = actions.add_parser("is", help="whether a date is a working day, and why")
        is_.add_argument("date", type=_date)
        due = actions.add_parser("due", help="answer deadline for an escalation moment")
        due.add_argument("moment", type=_moment)
        due.add_argument("days", type=_days, nargs="?")
        actions.add_parser("years", help="covered years and their sources")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.stdout.write(self._answer(options))
        except (CalendarRangeError, ValueError) as exc:
            raise CommandError(str(exc)) from None

    def _answer(self, options: dict[str, Any]) -> str:
        action = options["action"]
        if action == "add":
            return selectors.add_working_days(options["date"], options["days"]).isoformat()
        if action == "count":
            return str(selectors.working_days_between(options["start"], options["end"]))
        if action == "due":
            return selectors.answer_due(options["moment"], options["days"]).isoformat()
        if action == "years":
            return "\n".join(
                f"{info.year}: {info.source}"
                + (f" PROVISIONAL: {info.provisional_reason}" if info.provisional else "")
                for info in selectors.covered_years()
            )
        day: date = options["date"]
        state = "working" if selectors.is_working_day(day) else "day off"
        special = selectors.special_day(day)
        why = f" ({special.kind.value}: {special.note})" if special else ""
        return f"{day.isoformat()} {day:%a}: {state}{why}"
