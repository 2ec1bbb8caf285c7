"""A plan as a Gantt chart drawn on the server: an SVG with one bar per procedure on the
production calendar, days off shaded, month ticks. Coordinates are SVG attributes, so the page
needs no inline style and no script."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .planner import Plan

LABEL_W = 0  # labels sit in the table next to the chart; the bars start at 0
ROW_H = 22
BAR_H = 14
TOP = 24
TARGET_W = 960


@dataclass(frozen=True)
class Bar:
    code: str
    title: str
    x: float
    y: float
    w: float
    css: str
    tip: str
    label_x: float
    label_anchor: str


def gantt(plan: Plan, calendar: Any, titles: dict[str, str]) -> dict[str, Any]:
    """Everything the template draws: size, bars, shaded days off, month ticks."""
    first = plan.start_date
    last = max(plan.finish, first + timedelta(days=1))
    days = (last - first).days + 1
    scale = max(1.0, min(24.0, TARGET_W / days))
    width = round(days * scale, 1)
    critical = set(plan.critical_path)
    bars = []
    for i, step in enumerate(plan.steps):
        x = (step.start - first).days * scale
        w = max(scale, ((step.end - step.start).days + 1) * scale)
        css = "bar bar-" + step.spec.unit.replace("_", "-")
        if step.code in critical:
            css += " bar-critical"
        title = titles.get(step.code, step.code)
        right_room = width - (x + w) > 200
        bars.append(
            Bar(
                code=step.code,
                title=title,
                x=round(x, 1),
                y=TOP + i * ROW_H + (ROW_H - BAR_H) / 2,
                w=round(w, 1),
                css=css,
                tip=f"{title}: {step.start:%d.%m.%Y} – {step.end:%d.%m.%Y}",
                label_x=round(x + w + 4 if right_room else x - 4, 1),
                label_anchor="start" if right_room else "end",
            )
        )
    offs = []
    run_start: date | None = None
    day = first
    while day <= last:
        off = not calendar.is_working_day(day)
        if off and run_start is None:
            run_start = day
        if (not off or day == last) and run_start is not None:
            end = day if off else day - timedelta(days=1)
            offs.append(
                {
                    "x": round((run_start - first).days * scale, 1),
                    "w": round(((end - run_start).days + 1) * scale, 1),
                }
            )
            run_start = None
        day += timedelta(days=1)
    ticks = []
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            ticks.append({"x": round((month - first).days * scale, 1), "label": f"{month:%m.%Y}"})
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    height = TOP + len(plan.steps) * ROW_H + 8
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "offs": offs,
        "ticks": ticks,
        "scale": scale,
        "finish_x": round(((plan.finish - first).days + 1) * scale, 1),
    }
