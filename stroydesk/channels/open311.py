"""Open311 GeoReport v2: the topic tree as services, requests posted by keyed clients through the
single intake, and the public view of those requests (status, never the applicant's contacts).

Services are the active topics without sub-topics; ``service_code`` is the topic's code and
``group`` the name of its section. Only requests that came in through Open311 are listed, and
only with the fields the specification defines: the applicant's name, e-mail and phone are
never returned.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from stroydesk.accounts.models import User
from stroydesk.cases.models import CADASTRAL_NUMBER, Request
from stroydesk.channels.intake import Contact, Intake, register_request
from stroydesk.channels.models import Open311ApiKey, Open311Submission
from stroydesk.directory.models import Topic
from stroydesk.directory.selectors import topic_tree

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-10-01T00:00:00+03:00"
KEY_PREFIX = "o311_"
MAX_DESCRIPTION = 4000
MAX_RANGE_DAYS = 90
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
CLOSED_STATUSES = (Request.Status.ANSWERED, Request.Status.CLOSED)


class Open311Error(Exception):
    """An error answered in the specification's format, with its HTTP status."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def max_body_bytes() -> int:
    return getattr(settings, "OPEN311_MAX_BODY_BYTES", 64 * 1024)


# --- API keys ---------------------------------------------------------------------------------


def api_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def api_key_generate() -> tuple[str, str, str]:
    """A new secret key: (the key to hand out once, its prefix to recognise it, its hash)."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    return raw, raw[:10], api_key_hash(raw)


def api_key_issue(
    *, name: str, rate_limit_per_minute: int = 60, by: User | None = None
) -> tuple[Open311ApiKey, str]:
    """Issue a key to a client; the key itself is returned here once and never stored."""
    raw, prefix, digest = api_key_generate()
    key = Open311ApiKey(
        name=name.strip(),
        prefix=prefix,
        key_hash=digest,
        rate_limit_per_minute=rate_limit_per_minute,
        created_by=by,
    )
    key.full_clean()
    key.save()
    return key, raw


def api_key_revoke(*, key: Open311ApiKey) -> None:
    """Stop accepting the key; what was posted with it stays."""
    Open311ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def api_key_check(raw: str) -> Open311ApiKey:
    """The active key for this secret, counted against its rate limit; 403 or 429 otherwise."""
    raw = (raw or "").strip()
    if not raw:
        raise Open311Error(403, _("api_key was not provided."))
    key = Open311ApiKey.objects.filter(key_hash=api_key_hash(raw)).first()
    if key is None or not key.is_active:
        raise Open311Error(403, _("api_key is invalid or has been revoked."))
    wait = _rate_limit_wait(key)
    if wait is not None:
        raise Open311Error(
            429,
            _("Too many requests with this api_key: at most %(limit)d per minute.")
            % {"limit": key.rate_limit_per_minute},
            retry_after=wait,
        )
    return key


def _rate_limit_wait(key: Open311ApiKey) -> int | None:
    """Count one call in the key's current minute; the seconds to wait when over the limit."""
    now = time.time()
    window = int(now // 60)
    # The hash, not the row id, names the counter: ids repeat across test databases sharing Redis.
    counter = f"open311:rate:{key.key_hash[:24]}:{window}"
    cache.add(counter, 0, timeout=120)
    try:
        count = cache.incr(counter)
    except ValueError:  # expired between add and incr
        cache.set(counter, 1, timeout=120)
        count = 1
    if count > key.rate_limit_per_minute:
        return max(1, math.ceil((window + 1) * 60 - now))
    return None


# --- Services ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    order: int
    description: str
    datatype_description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": self.order,
            "description": self.description,
            "values": [],
        }


def service_attributes() -> list[Attribute]:
    """Extra fields a service takes. Every construction topic can be about a land plot or a
    building, so each service takes its cadastral number (optional)."""
    return [
        Attribute(
            code="cadastral_number",
            datatype="string",
            required=False,
            order=1,
            description=_("Cadastral number of the land plot or building, if known."),
            datatype_description="77:01:0001001:1234",
        )
    ]


def _services() -> list[tuple[Topic, str, str]]:
    """(topic, group, competent authorities) for every topic that is a service."""
    result = []
    for section in topic_tree():
        children = [c for c in section.children.all() if c.is_active]
        section_authorities = [a for a in section.authorities.all() if a.is_active]
        if not children:
            names = ", ".join(a.short_name for a in section_authorities)
            result.append((section, "", names))
        for topic in children:
            own = [a for a in topic.authorities.all() if a.is_active] or section_authorities
            result.append((topic, section.name, ", ".join(a.short_name for a in own)))
    return result


def service_list() -> list[dict[str, Any]]:
    """The services as the specification lists them."""
    return [
        {
            "service_code": topic.code,
            "service_name": topic.name,
            "description": _("Answered by: %(authorities)s") % {"authorities": authorities}
            if authorities
            else "",
            "metadata": bool(service_attributes()),
            "type": "realtime",
            "keywords": "",
            "group": group,
        }
        for topic, group, authorities in _services()
    ]


def _service_topic(code: str) -> Topic | None:
    if not code:
        return None
    return next((t for t, _group, _names in _services() if t.code == code), None)


def service_definition(code: str) -> dict[str, Any]:
    if _service_topic(code) is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code})
    return {
        "service_code": code,
        "attributes": [a.as_dict() for a in service_attributes()],
    }


# --- Posting a request ------------------------------------------------------------------------

_ATTRIBUTE = re.compile(r"^attribute\[(.+)\]$")


def _coordinate(params: Mapping[str, str], name: str, limit: int) -> Decimal | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name}) from None
    if not value.is_finite() or abs(value) > limit:
        raise Open311Error(
            400,
            _("%(name)s must be between -%(limit)d and %(limit)d.")
            % {"name": name, "limit": limit},
        )
    return value.quantize(Decimal("0.000001"))


def _attributes(params: Mapping[str, str]) -> dict[str, str]:
    known = {a.code: a for a in service_attributes()}
    values: dict[str, str] = {}
    for name in params:
        match = _ATTRIBUTE.match(name)
        if not match:
            continue
        code = match.group(1)
        if code not in known:
            raise Open311Error(400, _("Unknown attribute %(code)s.") % {"code": code})
        values[code] = (params.get(name) or "").strip()
    for attribute in known.values():
        if attribute.required and not values.get(attribute.code):
            raise Open311Error(
                400, _("attribute[%(code)s] is required.") % {"code": attribute.code}
            )
    if values.get("cadastral_number"):
        try:
            CADASTRAL_NUMBER(values["cadastral_number"])
        except ValidationError as exc:
            raise Open311Error(400, " ".join(exc.messages)) from None
    return values


def request_submit(*, key: Open311ApiKey, params: Mapping[str, str]) -> Request:
    """Register a request posted by an Open311 client, with what the client sent besides."""
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    topic = _service_topic(code)
    if topic is None:
        raise Open311Error(400, _("service_code %(code)s was not found.") % {"code": code})
    lat = _coordinate(params, "lat", 90)
    long = _coordinate(params, "long", 180)
    if (lat is None) != (long is None):
        raise Open311Error(400, _("lat and long must be given together."))
    address = (params.get("address_string") or "").strip()
    address_id = (params.get("address_id") or "").strip()[:100]
    if lat is None and not address and not address_id:
        raise Open311Error(
            400, _("A location is required: lat and long, address_string or address_id.")
        )
    description = (params.get("description") or "").strip()
    if not description:
        raise Open311Error(400, _("description is required."))
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(
            400, _("description is longer than %(max)d characters.") % {"max": MAX_DESCRIPTION}
        )
    email = (params.get("email") or "").strip()
    phone = (params.get("phone") or "").strip()
    if not email and not phone:
        raise Open311Error(400, _("email or phone is required to answer the request."))
    media_url = (params.get("media_url") or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, _("media_url is not a valid URL.")) from None
    attributes = _attributes(params)
    full_name = " ".join(
        p
        for p in ((params.get("last_name") or "").strip(), (params.get("first_name") or "").strip())
        if p
    )
    where = address or (f"{lat}, {long}" if lat is not None else "")
    first_line = description.split("\n", 1)[0]
    subject = first_line if len(first_line) <= 120 else first_line[:119] + "…"
    try:
        with transaction.atomic():
            request = register_request(
                intake=Intake(
                    channel=Request.Channel.OPEN311,
                    subject=subject,
                    text=description,
                    topic=topic,
                    address=where[:500],
                    cadastral_number=attributes.get("cadastral_number", ""),
                ),
                contact=Contact(full_name=full_name or email or phone, email=email, phone=phone),
            )
            Open311Submission.objects.create(
                request=request,
                api_key=key,
                service_code=code,
                lat=lat,
                long=long,
                address_id=address_id,
                attributes=attributes,
                media_url=media_url,
                device_id=(params.get("device_id") or "").strip()[:200],
                account_id=(params.get("account_id") or "").strip()[:200],
            )
    except ValidationError as exc:
        messages = (
            [m for msgs in exc.message_dict.values() for m in msgs]
            if hasattr(exc, "error_dict")
            else exc.messages
        )
        raise Open311Error(400, " ".join(messages)) from None
    Open311ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return request


def submitted_as_dict(request: Request) -> dict[str, Any]:
    return {
        "service_request_id": request.number,
        "service_notice": _("Registered as %(number)s.") % {"number": request.number},
        "account_id": None,
    }


# --- Reading requests -------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _request_dict(submission: Open311Submission) -> dict[str, Any]:
    request = submission.request
    closed = request.status in CLOSED_STATUSES
    return {
        "service_request_id": request.number,
        "status": "closed" if closed else "open",
        "status_notes": str(Request.Status(request.status).label),
        "service_name": request.topic.name if request.topic else "",
        "service_code": request.topic.code if request.topic else submission.service_code,
        # The schema allows 4000 characters; a question that came by another way may be longer.
        "description": _shorten(request.text, MAX_DESCRIPTION),
        "agency_responsible": request.authority.name if request.authority else "",
        "service_notice": "",
        "requested_datetime": _when(request.registered_at),
        "updated_datetime": _when(request.updated_at),
        "expected_datetime": _when(request.due_at),
        "address": request.address,
        "address_id": submission.address_id,
        "zipcode": "",
        # Numbers, as the GeoReport v2 schema wants them (not the decimal's string).
        "lat": float(submission.lat) if submission.lat is not None else None,
        "long": float(submission.long) if submission.long is not None else None,
        "media_url": submission.media_url,
    }


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
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
        if start is None:
            assert end is not None
            start = end - span
        if end is None:
            end = start + span
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
            qs = qs.exclude(request__status__in=CLOSED_STATUSES)
        elif statuses == {"closed"}:
            qs = qs.filter(request__status__in=CLOSED_STATUSES)
    offset = (page - 1) * page_size
    return [_request_dict(s) for s in qs[offset : offset + page_size]]


def discovery() -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": settings.DEFAULT_FROM_EMAIL,
        "key_service": _("API keys are issued by the administrators of the center."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": settings.SITE_URL.rstrip("/") + "/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
