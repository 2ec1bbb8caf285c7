"""Number formatting of the statistics pages: grouped thousands, percents, signed changes."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()

DASH = "—"


@register.filter
def number(value: int | float | None) -> str:
    """34 744 in Russian, 34,744 in English; a dash for no value."""
    if value is None:
        return DASH
    return number_format(value, force_grouping=True)


@register.filter
def percent(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{number_format(value, decimal_pos=1)}\u00a0%"


@register.filter
def change(value: float | None) -> str:
    """A change in percent with its sign: +9,9 %."""
    if value is None:
        return DASH
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{number_format(abs(value), decimal_pos=1)}\u00a0%"
