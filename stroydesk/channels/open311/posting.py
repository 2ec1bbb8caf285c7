"""A request posted by an Open311 client: its parameters read and checked (every refusal an
``Open311Error`` 400 with the specification's message), then registered through the single
intake with what the client sent besides."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.cases.intake import Contact, Intake, register_request
from stroydesk.cases.models import CADASTRAL_NUMBER, Request
from stroydesk.channels.models import Open311ApiKey, Open311Submission
from stroydesk.channels.open311.catalog import (
    PUBLISH,
    PUBLISH_YES,
    service_attributes,
    service_topic,
)
from stroydesk.channels.open311.errors import Open311Error

MAX_DESCRIPTION = 4000


def max_body_bytes() -> int:
    return getattr(settings, "OPEN311_MAX_BODY_BYTES", 64 * 1024)


_ATTRIBUTE = re.compile(r"^attribute\[(.+)\]$")
# What XML 1.0 cannot carry (and no person types): C0 controls but tab and line ends, and
# the two non-characters. One such byte would make the XML list ill-formed for every client.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def without_control(text: str) -> str:
    """The text without characters that XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


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
    for code, value in values.items():
        allowed = [key for key, _name in known[code].values]
        if allowed and value and value not in allowed:
            raise Open311Error(
                400,
                _("attribute[%(code)s] must be one of: %(allowed)s.")
                % {"code": code, "allowed": ", ".join(allowed)},
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
    topic = service_topic(code)
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
    description = without_control(params.get("description") or "").strip()
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
                    # The key holder vouches for nobody's address: never a user's account.
                    contact_verified=False,
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
                publish_details=attributes.get(PUBLISH) == PUBLISH_YES,
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
