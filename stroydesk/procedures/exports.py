"""A plan as files: XLSX (openpyxl) and PDF (reportlab with a bundled DejaVu Sans for Cyrillic).

reportlab was chosen over fpdf2 by ``benchmarks/procedures_pdf.py``: about 6× less time per plan
PDF on the largest profile (fpdf2 subsets the TTF through fontTools on every document). The font
ships with the app (fonts/, free DejaVu licence) because a fresh CI machine need not have
Debian's fonts-dejavu-core.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import selectors
from .planner import Plan

FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSans.ttf"


def unit_label(unit: str) -> str:
    return _("working days") if unit == "working_days" else pgettext("procedures", "calendar days")


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
        pgettext("procedures", "Authority"),
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


def _font() -> str:
    # Registered once per process; reportlab keeps the parsed TTF in its registry.
    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONT)))
    return "DejaVu"


def plan_pdf(plan: Plan, title: str = "") -> bytes:
    font = _font()
    text = ParagraphStyle("text", fontName=font, fontSize=9, leading=11.5)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    heading = ParagraphStyle("heading", fontName=font, fontSize=14, leading=18, spaceAfter=6)
    subheading = ParagraphStyle("subheading", parent=heading, fontSize=11, leading=14)
    summary = _(
        "Start %(start)s · finish %(finish)s · %(working)s working days · %(calendar)s "
        "calendar days · fixed fees %(fees)s ₽"
    ) % {
        "start": plan.start_date.strftime("%d.%m.%Y"),
        "finish": plan.finish.strftime("%d.%m.%Y"),
        "working": plan.total_working_days,
        "calendar": plan.total_calendar_days,
        "fees": f"{plan.fees_total:,}".replace(",", " "),
    }
    head = [
        _("Procedure"),
        pgettext("procedures", "Authority"),
        _("Start"),
        _("End"),
        _("Term"),
        _("After"),
    ]
    rows = [
        [
            selectors.title_of(step.spec),
            selectors.authority_of(step.spec),
            step.start.strftime("%d.%m.%Y"),
            step.end.strftime("%d.%m.%Y"),
            f"{step.duration} {unit_label(step.spec.unit)}",
            ", ".join(step.depends_on),
        ]
        for step in plan.steps
    ]
    table = Table(
        [[Paragraph(escape(str(value)), cell) for value in row] for row in [head, *rows]],
        colWidths=[270, 150, 62, 62, 85, 160],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.9, 0.93)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        Paragraph(escape(title or _("Procedures plan")), heading),
        Paragraph(escape(summary), text),
        Paragraph(
            escape(_("Critical path: %(path)s") % {"path": " → ".join(plan.critical_path)}), text
        ),
        Spacer(1, 6),
        table,
    ]
    if plan.documents:
        story += [Spacer(1, 8), Paragraph(escape(_("Documents")), subheading)]
        story += [
            Paragraph(escape(f"• {doc} ({', '.join(codes)})"), text)
            for doc, codes in plan.documents
        ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=landscape(A4), leftMargin=28, rightMargin=28, topMargin=28, bottomMargin=28
    )
    doc.build(story)
    return out.getvalue()
