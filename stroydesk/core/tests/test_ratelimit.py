"""Rate limits in the shared cache: counted per party and window, atomically, and (with Redis)
across processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from stroydesk.core import ratelimit
from stroydesk.core.ratelimit import Limit, RateLimited, rate_limit_check, rate_limit_hit
from stroydesk.core.testing import in_threads

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def test_counts_per_party_and_window_and_says_how_long_to_wait():
    limit = Limit("t", 2, 60)
    start = 1_800_000_000.0  # a window boundary (a multiple of 60)
    assert rate_limit_hit(limit=limit, who="a", now=start + 5) is None
    assert rate_limit_hit(limit=limit, who="a", now=start + 6) is None
    assert rate_limit_hit(limit=limit, who="a", now=start + 7) == 53
    assert rate_limit_hit(limit=limit, who="b", now=start + 7) is None  # its own count
    assert rate_limit_hit(limit=limit, who="a", now=start + 60) is None  # the next window


def test_check_raises_with_retry_after():
    limit = Limit("t-check", 1, 3600)
    rate_limit_check(limit=limit, who="x")
    with pytest.raises(RateLimited) as refused:
        rate_limit_check(limit=limit, who="x")
    assert 1 <= refused.value.retry_after <= 3600


def test_parallel_calls_never_pass_more_than_the_limit():
    """Each thread has its own cache connection (a Redis client of its own when configured):
    a read-then-write count lets several threads read the same number and all pass."""
    limit = Limit("t-race", 25, 3600)
    results, errors = in_threads(
        20, lambda i: [rate_limit_hit(limit=limit, who="guesser") for _ in range(5)]
    )
    assert errors == []
    passed = sum(wait is None for outcome in results for wait in outcome)  # type: ignore[attr-defined]
    assert passed == 25


_WORKER = """
import sys
import django
from django.conf import settings

url, prefix, namespace, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
settings.configure(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": url, "KEY_PREFIX": prefix}},
    USE_TZ=True,
)
django.setup()
from stroydesk.core import ratelimit

ratelimit.NAMESPACE = namespace
limit = ratelimit.Limit("t-processes", 30, 3600)
print(sum(ratelimit.rate_limit_hit(limit=limit, who="key") is None for _ in range(calls)))
"""


def _redis_reachable() -> bool:
    host, port = "127.0.0.1", 6379
    rest = REDIS_URL.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    if ":" in rest:
        host, port = rest.split(":")[0], int(rest.split(":")[1])
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return False
    return True


def test_two_processes_share_one_count_in_redis():
    """Two worker processes (as gunicorn runs them) count against one number: 2 × 20 calls
    with a limit of 30 let 30 through, not 40 as a count in each process's memory would."""
    if not _redis_reachable():
        if os.environ.get("STROYDESK_STRICT") == "1":
            pytest.fail(f"STROYDESK_STRICT=1 and Redis at {REDIS_URL} cannot be reached")
        pytest.skip(f"Redis at {REDIS_URL} cannot be reached")
    args = [REDIS_URL, f"rl-proc-{uuid.uuid4().hex}", ratelimit.NAMESPACE, "20"]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    passed = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        passed.append(int(out))
    assert sum(passed) == 30


def test_with_the_cache_down_limits_let_calls_through_and_guesses_are_refused(settings):
    # A Redis that is not there (nothing listens on port 1): the registration a limit guards
    # still goes through; a count of code guesses refuses instead of counting nothing.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    limit = Limit("down", 1, 60)
    assert [rate_limit_hit(limit=limit, who="a") for _ in range(3)] == [None, None, None]
    assert ratelimit.attempts_count(name="code", who="a", seconds=60) > 1000


def test_in_redis_one_counter_per_window_lives_as_long_as_its_window(settings):
    """The counter is made by the first call with the window's lifetime, which later calls do
    not extend (a steady caller must not keep an old window alive)."""
    if not _redis_reachable():
        if os.environ.get("STROYDESK_STRICT") == "1":
            pytest.fail(f"STROYDESK_STRICT=1 and Redis at {REDIS_URL} cannot be reached")
        pytest.skip(f"Redis at {REDIS_URL} cannot be reached")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"rl-ttl-{uuid.uuid4().hex}",
        }
    }
    from django.core.cache import caches

    limit = Limit("ttl", 2, 60)
    assert [rate_limit_hit(limit=limit, who="b", now=1000.0) for _ in range(3)] == [None, None, 20]
    backend = caches["default"]
    key = backend.make_and_validate_key(ratelimit._key(limit, "b", 1000 // 60))
    client = ratelimit._redis_client(backend)
    assert int(client.get(key)) == 3
    first_ttl = client.ttl(key)
    assert 60 < first_ttl <= 120
    client.expire(key, 50)
    rate_limit_hit(limit=limit, who="b", now=1000.0)
    assert client.ttl(key) <= 50  # the later call left the lifetime alone
    client.delete(key)
