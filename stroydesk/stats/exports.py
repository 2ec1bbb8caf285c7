"""Reports as files: CSV (UTF-8 with a BOM, so that spreadsheet programs read Cyrillic) and XLSX.

Each file starts with what it is about — the title, the period, the breakdown, the filters and
when it was made — then the table, with the total as its last row. The figures are those of the
report on screen and in the API: the file is written from the same ``Report``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from stroydesk.stats.forms import GROUP_CHOICES
from stroydesk.stats.periods import TIME_UNITS
from stroydesk.stats.selectors import Report


def figure_columns() -> list[tuple[str, str]]:
    """The figures of a report with their column titles in the current language."""
    return [
        ("received", _("Received")),
        ("answered", _("Answered")),
        ("closed", _("Closed")),
        ("open_at_end", _("Open at the end")),
        ("escalated", _("Escalated")),
        ("escalated_percent", _("Escalated, %")),
        ("first_contact_percent", _("First-contact resolution, %")),
        ("reopened", _("Reopened")),
        ("reopen_percent", _("Reopen rate, %")),
        ("sla_due", _("Due to authorities")),
        ("sla_met", _("Answered in time")),
        ("sla_percent", _("4-day promise kept, %")),
        ("authority_answers", _("Authority answers")),
        ("answer_days_median", _("Median answer, working days")),
        ("answer_days_p90", _("90th percentile answer, working days")),
        ("ratings", _("Ratings")),
        ("csat_average", _("Average rating (1–5)")),
    ]


@dataclass
class Sheet:
    """A report laid out as a title, lines about it, a header and rows."""

    title: str
    about: list[tuple[str, str]]
    header: list[str]
    rows: list[list[Any]]
    name: str


def report_sheet(report: Report) -> Sheet:
    query = report.query
    group = query.group_by
    columns = figure_columns()
    extra = []
    if group in TIME_UNITS:
        extra = [
            ("previous_percent", _("Change on previous, %")),
            ("yoy_percent", _("Change on a year before, %")),
        ]
    group_title = dict(GROUP_CHOICES).get(group, "")
    header = [str(group_title) if group else _("Period"), *(title for _k, title in columns + extra)]
    rows = [[row["label"], *(row.get(key) for key, _t in columns + extra)] for row in report.groups]
    total = [_("Total"), *(report.total.get(key) for key, _t in columns)]
    if extra:
        total += [report.change["previous_percent"], report.change["yoy_percent"]]
    rows.append(total)
    period = query.period
    about = [
        (_("Period"), _span(period.start, period.end)),
        (_("Breakdown"), str(group_title) if group else _("No breakdown")),
        *_filter_lines(query.filter_labels),
        (_("Change on a year before, %"), _number(report.change["yoy_percent"])),
        (_("Change on the previous period, %"), _number(report.change["previous_percent"])),
        (_("Made"), date_format(timezone.localtime(), "d.m.Y H:i")),
    ]
    name = f"stroydesk-report-{period.start}-{period.end}" + (f"-{group}" if group else "")
    return Sheet(_("Requests to the contact center"), about, header, rows, name)


def yearly_sheet(rows: list[dict[str, Any]], filter_labels: tuple[tuple[str, str], ...]) -> Sheet:
    columns = [*figure_columns(), ("yoy_percent", _("Change on a year before, %"))]
    years = [row["year"] for row in rows]
    about = [
        (_("Years"), ", ".join(str(y) for y in years)),
        *_filter_lines(filter_labels),
        (_("Made"), date_format(timezone.localtime(), "d.m.Y H:i")),
    ]
    table = [[row["year"], *(row.get(key) for key, _t in columns)] for row in rows]
    name = "stroydesk-yearly-" + "-".join(str(y) for y in years)
    return Sheet(
        _("Requests to the contact center by year"),
        about,
        [_("Year"), *(title for _k, title in columns)],
        table,
        name,
    )


def as_csv(sheet: Sheet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([sheet.title])
    for label, value in sheet.about:
        writer.writerow([label, value])
    writer.writerow([])
    writer.writerow(sheet.header)
    for row in sheet.rows:
        writer.writerow(["" if value is None else value for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(sheet: Sheet) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = _("Report")[:31]
    bold = Font(bold=True)
    ws.append([sheet.title])
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    for label, value in sheet.about:
        ws.append([label, value])
    ws.append([])
    ws.append(sheet.header)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = bold
    for row in sheet.rows:
        ws.append(row)
    for cell in ws[ws.max_row]:
        cell.font = bold
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)
    ws.column_dimensions["A"].width = 36
    for index in range(2, len(sheet.header) + 1):
        ws.column_dimensions[ws.cell(row=header_row, column=index).column_letter].width = 14
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _filter_lines(labels: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    if not labels:
        return [(_("Filters"), _("none: all requests"))]
    return [(_("Filter: %(name)s") % {"name": name}, value) for name, value in labels]


def _span(start, end) -> str:
    return f"{date_format(start, 'd.m.Y')} – {date_format(end, 'd.m.Y')}"


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + number_format(value, decimal_pos=1)
