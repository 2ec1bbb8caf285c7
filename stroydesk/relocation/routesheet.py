"""A crew's printable route sheet for a day (PDF, fpdf2: pure Python, no system libraries).

Cyrillic needs a Unicode TrueType font: DejaVu Sans from Debian's ``fonts-dejavu-core``
(``RELOCATION_PDF_FONT`` names another file). fpdf2 embeds only the glyphs used.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from stroydesk.relocation.models import Crew, Order

DEFAULT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _font() -> str:
    path = getattr(settings, "RELOCATION_PDF_FONT", DEFAULT_FONT)
    try:
        with open(path, "rb"):
            return path
    except OSError:
        raise ImproperlyConfigured(
            f"Route sheets need a Unicode TTF font at {path}: apt-get install fonts-dejavu-core"
        ) from None


def _yes(value: bool) -> str:
    return _("lift") if value else _("no lift")


def render(*, crew: Crew, day: date, orders: list[Order]) -> bytes:
    """The route sheet of ``crew`` for ``day``: one block per job, in window order."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"{crew.name} {day.isoformat()}")
    pdf.add_font("body", fname=_font())
    pdf.add_page()
    pdf.set_font("body", size=15)
    line: dict[str, Any] = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    pdf.cell(0, 9, _("Route sheet"), **line)
    pdf.set_font("body", size=11)
    pdf.cell(
        0,
        7,
        _("Crew %(crew)s, truck %(truck)s, %(district)s — %(day)s")
        % {
            "crew": crew.name,
            "truck": crew.truck or "—",
            "district": crew.district,
            "day": day.strftime("%d.%m.%Y"),
        },
        **line,
    )
    pdf.ln(3)
    if not orders:
        pdf.cell(0, 7, _("No jobs on this day."), **line)
    for number, order in enumerate(orders, start=1):
        household = order.household
        pdf.set_font("body", size=12)
        pdf.cell(
            0,
            8,
            f"{number}. {order.window} · {order.get_kind_display()} · №{order.pk}"
            f" · {order.get_status_display()}",
            **line,
        )
        pdf.set_font("body", size=10)
        rows = [
            _("From: %(address)s, flat %(flat)s, floor %(floor)s, %(lift)s")
            % {
                "address": household.old_building.address,
                "flat": household.old_flat,
                "floor": order.floor_from,
                "lift": _yes(order.lift_from),
            },
            _("To: %(address)s, flat %(flat)s, floor %(floor)s, %(lift)s")
            % {
                "address": household.new_building.address,
                "flat": household.new_flat,
                "floor": order.floor_to,
                "lift": _yes(order.lift_to),
            },
            _("Rooms: %(rooms)s; volume: %(volume)s m³; special items: %(items)s")
            % {
                "rooms": order.rooms,
                "volume": order.volume_m3 or "—",
                "items": ", ".join(order.special_item_labels) or "—",
            },
            _("Contact: %(name)s %(phone)s")
            % {"name": order.contact_name or household.head_name, "phone": order.contact_phone},
        ]
        for text in rows:
            pdf.multi_cell(0, 6, text, **line)
        pdf.cell(0, 6, _("Done: ________   Signature of the family: ________"), **line)
        pdf.ln(3)
    return bytes(pdf.output())
