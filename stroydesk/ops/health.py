"""Probes for the load balancer and the orchestrator.

``/healthz``: the process is up (no dependency is touched, so a database outage does not make
every web process look dead and get restarted). ``/readyz``: this process can serve — the
database answers, the job queue answers, the file storage takes a write — else 503 with what
failed, so the balancer sends traffic elsewhere until it recovers.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from huey.contrib.djhuey import HUEY

log = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe; also the bare-Django baseline of the benchmarks."""
    return HttpResponse("ok", content_type="text/plain")


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _queue() -> None:
    HUEY.pending_count()


def _storage() -> None:
    name = default_storage.save(f"readyz/{os.getpid()}-{uuid.uuid4().hex}", ContentFile(b"ok"))
    default_storage.delete(name)


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "queue": _queue,
    "storage": _storage,
}


def readiness() -> dict[str, str]:
    """Each dependency's state: "ok", or the error's kind and message."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # a probe reports every failure rather than raising
            log.warning("readiness: %s failed: %s", name, exc)
            results[name] = f"{type(exc).__name__}: {exc}"[:300]
        else:
            results[name] = "ok"
    return results


def readyz(request: HttpRequest) -> JsonResponse:
    results = readiness()
    ready = all(value == "ok" for value in results.values())
    return JsonResponse({"ready": ready, **results}, status=200 if ready else 503)
