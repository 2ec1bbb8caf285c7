"""The applicant's personal link to a booking (cancel, reschedule) without signing in: signed
with the site's key (``django.core.signing``) and expiring after
``CONSULTATIONS_LINK_MAX_AGE_DAYS``; a forged or expired one is refused with HTTP 403."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

SALT = "stroydesk.consultations.manage"


class LinkInvalid(Exception):
    """The link was forged, damaged or has expired."""


def make_token(booking_id: int) -> str:
    return signing.dumps({"b": booking_id}, salt=SALT, compress=True)


def read_token(token: str) -> int:
    """The booking id of a valid token; LinkInvalid for a forged or expired one."""
    max_age = settings.CONSULTATIONS_LINK_MAX_AGE_DAYS * 86400
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkInvalid("expired") from exc
    except signing.BadSignature as exc:
        raise LinkInvalid("forged") from exc
    if not isinstance(data, dict) or not isinstance(data.get("b"), int):
        raise LinkInvalid("forged")
    return data["b"]
