"""Rate limits counted in the shared cache: Redis when ``REDIS_URL`` is set, so that every worker
process and every server behind the balancer counts against the same number.

A limit is a fixed window: ``count`` calls per ``seconds``, counted under a key made of the
limit's name, a hash of who is counted (an address, an IP, an API key) and the window's number.
The count is one atomic increment (Redis ``INCR``; the in-memory cache takes a lock), never a
read followed by a write, so that parallel calls cannot all see the same count and all pass.
Who is counted is hashed: the cache holds no e-mail addresses or IPs.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

# Tests give each test a namespace of its own, so that counts never leak from one to the next.
NAMESPACE = "rl"


@dataclass(frozen=True)
class Limit:
    """At most ``count`` calls per ``seconds`` for one counted party."""

    name: str
    count: int
    seconds: int


class RateLimited(Exception):
    """Over the limit: try again in ``retry_after`` seconds (the answer's Retry-After)."""

    def __init__(self, limit: Limit, retry_after: int):
        super().__init__(f"{limit.name}: over {limit.count} per {limit.seconds} s")
        self.limit = limit
        self.retry_after = retry_after


def _key(limit: Limit, who: str, window: int) -> str:
    digest = hashlib.sha256(who.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{NAMESPACE}:{limit.name}:{digest}:{window}"


def rate_limit_hit(*, limit: Limit, who: str, now: float | None = None) -> int | None:
    """Count one call of ``who`` against ``limit``; the seconds to wait when it is over it,
    None when the call may go ahead."""
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    key = _key(limit, who, window)
    # The counter outlives its window a little, so that a clock slightly behind still finds it.
    try:
        count = _increment(key, timeout=limit.seconds + 60)
    except Exception:
        # The cache (Redis) is down: a limit is a guard, not a service; the request it guards
        # (a registration, a letter) must still go through, and the fault is logged.
        log.warning(
            "rate limit %s not counted: the cache is unreachable", limit.name, exc_info=True
        )
        return None
    if count > limit.count:
        return max(1, math.ceil((window + 1) * limit.seconds - now))
    return None


def rate_limit_check(*, limit: Limit, who: str) -> None:
    """Count one call; raise ``RateLimited`` when it is over the limit."""
    wait = rate_limit_hit(limit=limit, who=who)
    if wait is not None:
        raise RateLimited(limit, wait)


def attempts_count(*, name: str, who: str, seconds: int) -> int:
    """One more attempt of ``who`` (a code mailed once, say), counted atomically for ``seconds``
    from the first: the number of attempts so far, this one included. Unlike a session's own
    counter, parallel requests that loaded the same session each get a different number."""
    key = _key(Limit(name, 0, seconds), who, 0)
    try:
        return _increment(key, timeout=seconds, expired=10**9)
    except Exception:
        # Unlike a rate limit, a count of guesses must not fail open: with the cache down no
        # attempt is accepted (the caller answers "too many attempts, try later").
        log.warning("attempts of %s not counted: the cache is unreachable", name, exc_info=True)
        return 10**9


_redis_clients: dict[tuple[str, ...], Any] = {}


def _redis_client(backend: RedisCache) -> Any:
    """One Redis client per server list and process: Django's cache makes a new client object
    for each call (which alone cost more than the round trip) and a backend for each thread."""
    django_client: Any = backend._cache  # type: ignore[attr-defined]
    servers = tuple(django_client._servers)
    client = _redis_clients.get(servers)
    if client is None:
        client = _redis_clients.setdefault(servers, django_client.get_client(write=True))
    return client


def _increment(key: str, *, timeout: int, expired: int | None = None) -> int:
    """One atomic increment of the counter, made if absent. A counter that expires between the
    calls is made again, or, given ``expired``, that number is the answer."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # One round trip (every API call counts here): SET NX makes the counter, with its
        # lifetime, only when absent; INCR counts. MULTI keeps the two together.
        redis_key = backend.make_and_validate_key(key)
        pipe = _redis_client(backend).pipeline(transaction=True)
        pipe.set(redis_key, 0, ex=timeout, nx=True)
        pipe.incr(redis_key)
        _made, count = pipe.execute()
        return int(count)
    # The process's own memory (no Redis): no round trips to save.
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # the counter expired between the two calls
        if expired is not None:
            return expired
        cache.add(key, 0, timeout=timeout)
        return int(cache.incr(key))
