"""API keys of users: issued one per sign-in, shown once, kept as a hash, expiring, scoped,
revoked by their owner, by an administrator, and all at once by a change of password.

A key is 32 random bytes, so a plain SHA-256 of it is as good as a slow password hash (nobody can
try 2**256 keys) and lets the key be found by an index on every call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.accounts.models import ApiToken, User
from stroydesk.core.sql import Select, prep

# How often the "last used" moment is written: not on every call of a busy program.
LAST_USED_PRECISION = timedelta(minutes=1)
PREFIX_LENGTH = 8


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(
    *, user: User, scope: str = ApiToken.Scope.WRITE, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """A new key for the user: the record, and the key itself, which is not kept anywhere."""
    if scope not in ApiToken.Scope.values:
        raise ValidationError(
            {"scope": _("Choose one of: %(choices)s.") % {"choices": ", ".join(ApiToken.Scope)}}
        )
    longest = settings.API_TOKEN_MAX_DAYS
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= longest:
        raise ValidationError(
            {"days": _("A key works from 1 to %(days)s days.") % {"days": longest}}
        )
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=key[:PREFIX_LENGTH],
        key_hash=_digest(key),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, key


# Every API call asks this: compiled once (core.sql), the key's account joined.
_LIVE_KEY = Select(
    ApiToken, "{key_hash} = %s AND {revoked_at} IS NULL AND {expires_at} > %s", join="user"
)


def api_token_find(*, key: str) -> ApiToken | None:
    """The live key of an active account, or None (unknown, expired, revoked, blocked)."""
    now = timezone.now()
    token: ApiToken | None = _LIVE_KEY.first(_digest(key), prep(ApiToken, "expires_at", now))
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's keys that still work, newest first."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own keys; another's, or one that no longer works: 404."""
    token = api_token_list(user=user).filter(pk=token_id).first()
    if token is None:
        raise Http404(_("No such key."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every key of the user (a stolen laptop, a change of job)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
