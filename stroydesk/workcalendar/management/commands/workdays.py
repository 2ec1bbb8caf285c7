"""``manage.py workdays``: working-day arithmetic from the shell, for support and checks.

workdays add 2021-02-19 4          -> 2021-02-26
workdays count 2021-01-01 2021-12-31 -> 247
workdays is 2021-02-20             -> 2021-02-20 Sat: working (working_weekend: …)
workdays due 2021-02-19T15:00+03:00 [4] -> 2021-02-26T23:59:59+03:00
workdays years                     -> covered years with their sources
workdays import 2028.xml [--apply --source "Постановление …"]
                                   -> what an XML production calendar (xmlcalendar.ru format)
                                      changes in its year; stored only with --apply
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from stroydesk.workcalendar import selectors, services
from stroydesk.workcalendar.calendar import CalendarRangeError, SpecialDay
from stroydesk.workcalendar.xmlcalendar import (
    MAX_FILE_BYTES,
    YearDiff,
    diff_year,
    parse_xmlcalendar,
)


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
        imports = actions.add_parser(
            "import", help="compare an XML production calendar with the stored year; --apply"
        )
        imports.add_argument("file", help="one year in the xmlcalendar.ru XML format")
        imports.add_argument(
            "--apply", action="store_true", help="store the differences as admin rows"
        )
        imports.add_argument(
            "--source", default="", help="the act the file follows, e.g. the Government decree"
        )
        imports.add_argument(
            "--provisional", action="store_true", help="keep the year marked provisional"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "import":
                self.stdout.write(self._import(options))
            else:
                self.stdout.write(self._answer(options))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except (CalendarRangeError, ValueError) as exc:  # CalendarDataError included
            raise CommandError(str(exc)) from None

    def _import(self, options: dict[str, Any]) -> str:
        path = options["file"]
        try:
            with open(path, "rb") as file:
                content = file.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        imported = parse_xmlcalendar(content, name=path)
        header = f"{path}: {imported.year}, dated {imported.published or 'unknown'}\n"
        if options["apply"]:
            diff = services.calendar_year_import(
                imported=imported, source=options["source"], provisional=options["provisional"]
            )
            applied = f"Applied: {len(diff.changes)} day(s) written as calendar days"
            if options["source"].strip():
                state = "provisional" if options["provisional"] else "confirmed"
                applied += f"; {imported.year} {state}: {options['source'].strip()}"
            return header + _describe(diff) + "\n" + applied + "."
        diff = diff_year(selectors.get_calendar().data, imported)
        return header + _describe(diff) + "\nNothing stored: run again with --apply to store it."

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


def _kind(special: SpecialDay | None, day: date) -> str:
    if special is None:
        return "working day" if day.weekday() < 5 else "weekend"
    return special.kind.value


def _describe(diff: YearDiff) -> str:
    stored = "not covered" if diff.stored is None else diff.stored.source
    if diff.stored is not None and diff.stored.provisional:
        stored += " (PROVISIONAL)"
    lines = [f"{diff.year}: stored: {stored}"]
    for change in diff.changes:
        mark = "+" if change.before is None else "-" if change.after is None else "~"
        note = f" ({change.after.note})" if change.after and change.after.note else ""
        lines.append(
            f"  {mark} {change.day.isoformat()} {change.day:%a}: "
            f"{_kind(change.before, change.day)} -> {_kind(change.after, change.day)}{note}"
        )
    if not diff.changes:
        lines.append("  no difference")
    before = "-" if diff.working_days_before is None else str(diff.working_days_before)
    lines.append(f"Working days in {diff.year}: {before} -> {diff.working_days_after}")
    return "\n".join(lines)
