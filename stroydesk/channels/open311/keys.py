"""The Open311 clients' API keys: issued once (only the hash is stored), revoked, checked on every
call and counted against the key's rate limit per minute."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.accounts.models import User
from stroydesk.channels.models import Open311ApiKey
from stroydesk.channels.open311.errors import Open311Error
from stroydesk.core.ratelimit import Limit, rate_limit_hit

KEY_PREFIX = "o311_"


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
    """Count one call in the key's current minute, in the shared cache (every worker counts
    against the same number); the seconds to wait when over the limit. The hash, not the row
    id, names the counter: ids repeat across test databases sharing Redis."""
    limit = Limit("open311-key", key.rate_limit_per_minute, 60)
    return rate_limit_hit(limit=limit, who=key.key_hash)


def anonymous_read_check(address: str) -> None:
    """Count a read without a key from this address; 429 past the per-minute limit."""
    limit = Limit("open311-read", settings.OPEN311_ANONYMOUS_READS_PER_MINUTE, 60)
    wait = rate_limit_hit(limit=limit, who=address)
    if wait is not None:
        raise Open311Error(
            429,
            _("Too many requests without an api_key: at most %(limit)d per minute.")
            % {"limit": limit.count},
            retry_after=wait,
        )
