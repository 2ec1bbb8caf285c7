"""A plan as files: XLSX (openpyxl) and PDF (fpdf2 with a bundled DejaVu Sans for Cyrillic).

fpdf2 was chosen over reportlab by ``benchmarks/procedures_pdf.py`` (time per plan PDF, both
pure Python wheels); the font ships with the app (fonts/, free DejaVu licence) because a fresh
CI machine need not have Debian's fonts-dejavu-core.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Font

from . import selectors
from .planner import Plan

# fontTools logs every glyph subset at INFO: noise in every PDF export.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"


def unit_label(unit: str) -> str:
    return _("working days") if unit == "working_days" else _("calendar days")


def _rows(plan: Plan) -> list[list[object]]:
    return [
        [
            step.code,
            selectors.title_of(step.spec),
            selectors.authority_of(step.spec),
            step.start,
            step.end,
            step.duration,
            unit_label(step.spec.unit),
            ", ".join(step.depends_on),
            step.spec.legal_basis,
        ]
        for step in plan.steps
    ]


def _headers() -> list[str]:
    return [
        _("Code"),
        _("Procedure"),
        _("Authority"),
        _("Start"),
        _("End"),
        _("Term"),
        _("Unit"),
        _("After"),
        _("Legal basis"),
    ]


def plan_xlsx(plan: Plan) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Plan")[:31]
    sheet.append(_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(plan):
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=5):
        for cell in row:
            cell.number_format = "DD.MM.YYYY"
    sheet.append([])
    sheet.append([_("Finish"), plan.finish])
    sheet.append([_("Working days"), plan.total_working_days])
    sheet.append([_("Calendar days"), plan.total_calendar_days])
    sheet.append([_("Critical path"), " → ".join(plan.critical_path)])
    sheet.append([_("Fixed fees, roubles"), plan.fees_total])
    for column, width in zip("ABCDEFGHI", (22, 60, 30, 12, 12, 8, 16, 30, 60), strict=True):
        sheet.column_dimensions[column].width = width
    docs = book.create_sheet(_("Documents")[:31])
    docs.append([_("Document"), _("For")])
    for doc, codes in plan.documents:
        docs.append([doc, ", ".join(codes)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plan_pdf(plan: Plan, title: str = "") -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=14)
    pdf.cell(0, 8, title or _("Procedures plan"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(
        0,
        5,
        _(
            "Start %(start)s · finish %(finish)s · %(working)s working days · %(calendar)s "
            "calendar days · fixed fees %(fees)s ₽"
        )
        % {
            "start": plan.start_date.strftime("%d.%m.%Y"),
            "finish": plan.finish.strftime("%d.%m.%Y"),
            "working": plan.total_working_days,
            "calendar": plan.total_calendar_days,
            "fees": f"{plan.fees_total:,}".replace(",", " "),
        },
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(
        0,
        5,
        _("Critical path: %(path)s") % {"path": " → ".join(plan.critical_path)},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    widths = (95, 55, 22, 22, 30, 53)
    headings = FontFace(emphasis="", fill_color=(225, 230, 238))
    with pdf.table(
        col_widths=widths, text_align="LEFT", line_height=4.5, headings_style=headings
    ) as table:
        table.row([_("Procedure"), _("Authority"), _("Start"), _("End"), _("Term"), _("After")])
        for step in plan.steps:
            table.row(
                [
                    selectors.title_of(step.spec),
                    selectors.authority_of(step.spec),
                    step.start.strftime("%d.%m.%Y"),
                    step.end.strftime("%d.%m.%Y"),
                    f"{step.duration} {unit_label(step.spec.unit)}",
                    ", ".join(step.depends_on),
                ]
            )
    if plan.documents:
        pdf.ln(3)
        pdf.set_font("DejaVu", size=11)
        pdf.cell(0, 6, _("Documents"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=9)
        for doc, codes in plan.documents:
            pdf.multi_cell(0, 4.5, f"• {doc} ({', '.join(codes)})", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
