"""Which PDF library writes a plan faster: reportlab (chosen) against fpdf2, same table, same
bundled DejaVu Sans font (Cyrillic), the largest profile's plan.

    .venv/bin/python benchmarks/procedures_pdf.py            # 20 PDFs each
    .venv/bin/python benchmarks/procedures_pdf.py --count 50

fpdf2 is not a dependency of stroydesk: install it (`pip install fpdf2`) to compare; without it
only reportlab is measured.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import time
from pathlib import Path

# The script's own folder first on sys.path would shadow the stdlib (benchmarks/queue.py).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from datetime import date  # noqa: E402

from benchmarks.procedures import LARGEST  # noqa: E402
from stroydesk.procedures.loading import read_catalogue  # noqa: E402
from stroydesk.procedures.planner import make_plan  # noqa: E402
from stroydesk.workcalendar.calendar import ProductionCalendar  # noqa: E402

FONT = Path(sys.path[0]) / "stroydesk" / "procedures" / "fonts" / "DejaVuSans.ttf"
logging.getLogger("fontTools").setLevel(logging.WARNING)


def rows(plan):
    return [
        [
            s.spec.title_ru,
            s.spec.authority_name,
            f"{s.start:%d.%m.%Y}",
            f"{s.end:%d.%m.%Y}",
            f"{s.duration} {'раб.' if s.spec.unit == 'working_days' else 'кал.'} дн.",
            ", ".join(s.depends_on),
        ]
        for s in plan.steps
    ]


HEAD = ["Процедура", "Орган", "Начало", "Окончание", "Срок", "После"]


def with_fpdf2(data) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=9)
    style = FontFace(emphasis="", fill_color=(225, 230, 238))
    with pdf.table(col_widths=(95, 55, 22, 22, 30, 53), headings_style=style) as table:
        for row in [HEAD, *data]:
            table.row(row)
    return bytes(pdf.output())


def with_reportlab(data) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONT)))
    style = ParagraphStyle("cell", fontName="DejaVu", fontSize=9, leading=11)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4))
    cells = [[Paragraph(str(c), style) for c in row] for row in [HEAD, *data]]
    table = Table(cells, colWidths=[270, 155, 62, 62, 85, 150], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.9, 0.93)),
            ]
        )
    )
    doc.build([table])
    return out.getvalue()


def timed(make, data, count: int) -> tuple[float, int]:
    size = len(make(data))  # warm: font parsing, imports
    began = time.perf_counter()
    for _ in range(count):
        make(data)
    return (time.perf_counter() - began) / count * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    _, specs = read_catalogue()
    plan = make_plan(specs, LARGEST, date(2026, 3, 2), ProductionCalendar.from_file())
    data = rows(plan)
    rl_ms, rl_size = timed(with_reportlab, data, args.count)
    print(f"reportlab: {rl_ms:7.1f} ms per plan PDF ({rl_size} bytes, {len(data)} rows)")
    try:
        import fpdf  # noqa: F401
    except ImportError:
        print("fpdf2:     not installed, not measured")
        return
    fpdf_ms, fpdf_size = timed(with_fpdf2, data, args.count)
    print(f"fpdf2:     {fpdf_ms:7.1f} ms per plan PDF ({fpdf_size} bytes)")
    print(f"ratio fpdf2/reportlab: {fpdf_ms / rl_ms:.1f}×")


if __name__ == "__main__":
    main()
