"""The requests posted through Open311 as the specification shows them (status, never the
applicant's contacts), one by its number or a filtered page of them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from stroydesk.cases.models import OPEN_STATUSES, Request
from stroydesk.channels.models import Open311Submission
from stroydesk.channels.open311.errors import Open311Error
from stroydesk.channels.open311.posting import MAX_DESCRIPTION, without_control

MAX_RANGE_DAYS = 90
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _request_dict(submission: Open311Submission) -> dict[str, Any]:
    """A request as everyone may read it: the service, the status and the dates; the text, the
    address, the place and the picture only when the applicant agreed to publish them."""
    request = submission.request
    closed = request.status not in OPEN_STATUSES  # answered or closed: "closed" in Open311
    public = submission.publish_details
    return {
        "service_request_id": request.number,
        "status": "closed" if closed else "open",
        "status_notes": str(Request.Status(request.status).label),
        "service_name": request.topic.name if request.topic else "",
        "service_code": request.topic.code if request.topic else submission.service_code,
        # The schema allows 4000 characters; a question that came by another way may be longer.
        "description": _shorten(without_control(request.text), MAX_DESCRIPTION) if public else None,
        "agency_responsible": request.authority.name if request.authority else "",
        "service_notice": "",
        "requested_datetime": _when(request.registered_at),
        "updated_datetime": _when(request.updated_at),
        "expected_datetime": _when(request.due_at),
        "address": without_control(request.address) if public else None,
        "address_id": submission.address_id if public else None,
        "zipcode": "",
        # Numbers, as the GeoReport v2 schema wants them (not the decimal's string).
        "lat": float(submission.lat) if public and submission.lat is not None else None,
        "long": float(submission.long) if public and submission.long is not None else None,
        "media_url": submission.media_url if public else None,
    }


def _submissions():
    return Open311Submission.objects.select_related(
        "request", "request__topic", "request__authority"
    )


def request_get(service_request_id: str) -> dict[str, Any]:
    submission = _submissions().filter(request__number=service_request_id).first()
    if submission is None:
        raise Open311Error(
            404, _("service_request_id %(id)s was not found.") % {"id": service_request_id}
        )
    return _request_dict(submission)


def _moment(params: Mapping[str, str], name: str) -> datetime | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            value = datetime(day.year, day.month, day.day) if day else None
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(
            400, _("%(name)s must be a date and time like 2025-01-31T00:00:00Z.") % {"name": name}
        )
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _int(params: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    # str.isdigit() also says yes to «²» and other Unicode digits that int() refuses.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise Open311Error(
            400, _("%(name)s must be a number from 1 to %(max)d.") % {"name": name, "max": maximum}
        )
    return int(raw)


def request_list(params: Mapping[str, str]) -> list[dict[str, Any]]:
    """Requests posted through Open311, newest first, filtered as the specification says:
    by ids (which overrides the other filters), or by service codes, a date range of at most
    90 days (the last 90 days by default) and statuses."""
    page_size = _int(params, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    page = _int(params, "page", 1, 100000)
    qs = _submissions().order_by("-request__registered_at", "-id")
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        qs = qs.filter(request__number__in=ids[:MAX_PAGE_SIZE])
    else:
        start, end = _moment(params, "start_date"), _moment(params, "end_date")
        span = timedelta(days=MAX_RANGE_DAYS)
        if start is None and end is None:
            end = timezone.now()
        try:
            if start is None:
                assert end is not None
                start = end - span
            if end is None:
                end = start + span
        except OverflowError as exc:  # 0001-01-01 minus or 9999-12-31 plus 90 days
            name = "end_date" if params.get("end_date") else "start_date"
            raise Open311Error(
                400,
                _("%(name)s must be a date and time like 2025-01-31T00:00:00Z.") % {"name": name},
            ) from exc
        if end < start:
            raise Open311Error(400, _("end_date is before start_date."))
        if end - start > span:
            raise Open311Error(
                400,
                _("The date range may not span more than %(days)d days.")
                % {"days": MAX_RANGE_DAYS},
            )
        qs = qs.filter(request__registered_at__gte=start, request__registered_at__lte=end)
        codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(request__topic__code__in=codes)
        statuses = {s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        if statuses == {"open"}:
            qs = qs.filter(request__status__in=OPEN_STATUSES)
        elif statuses == {"closed"}:
            qs = qs.exclude(request__status__in=OPEN_STATUSES)
    offset = (page - 1) * page_size
    return [_request_dict(s) for s in qs[offset : offset + page_size]]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
