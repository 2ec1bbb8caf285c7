"""Cursor paging for every list: a page of rows and an opaque cursor to the next one.

Keyset paging (``id < last id``), not offsets: the thousandth page costs what the first does, and
rows added meanwhile do not shift what the reader sees. A cursor is only a position, so a forged
or mangled one is harmless: it reads as the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class Page:
    """One page of a cursor-paged list: its rows and the cursor of the next page, if any."""

    items: list[Any]
    next_cursor: str | None


def encode_cursor(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The cursor's values, or {} for a missing or mangled one (the first page then)."""
    if not cursor or len(cursor) > 512:
        return {}
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return {}
    if not isinstance(values, dict) or type(values.get("id")) is not int:
        return {}
    return values


def cursor_datetime(value: Any) -> datetime | Literal[False] | None:
    """A moment written into a cursor: the aware datetime, None when the cursor says "none",
    False when it is no moment one of our pages wrote (a forged cursor: not a string, an
    impossible date, a time zone that pushes it past the calendar's ends)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        moment = parse_datetime(value)
        if moment is None or moment.tzinfo is None:
            return False
        moment.astimezone(UTC)  # 9999-12-31T23:59-12:00 lies past year 9999 in UTC
    except (ValueError, OverflowError):
        return False
    return moment


def newest_first_page(qs: QuerySet[Any], *, cursor: str = "", size: int = 25) -> Page:
    """One page of ``qs`` newest first (by descending id), from the cursor's position on."""
    position = decode_cursor(cursor)
    qs = qs.order_by("-id")
    if position:
        qs = qs.filter(id__lt=position["id"])
    rows = list(qs[: size + 1])
    if len(rows) <= size:
        return Page(items=rows, next_cursor=None)
    return Page(items=rows[:size], next_cursor=encode_cursor({"id": rows[size - 1].pk}))
