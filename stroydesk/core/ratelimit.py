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
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

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
    timeout = limit.seconds + 60
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 0, timeout=timeout)
        count = cache.incr(key)
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
    cache.add(key, 0, timeout=seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add() and incr(): the attempt's time is up anyway
        return 10**9
