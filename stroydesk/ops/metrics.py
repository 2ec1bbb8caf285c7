"""Prometheus metrics at ``/metrics``, in the text exposition format, without a client library.

Request counts and latencies are this process's own (each web worker answers for itself; scrape
every worker, or sum over the instances as Prometheus does); the gauges — the job queue's depth,
overdue escalations, letters waiting — are read from the shared database and queue at scrape
time, so every worker answers the same for them. With ``METRICS_TOKEN`` set, the scraper must
send it as a bearer token.
"""

from __future__ import annotations

import hmac
import threading
from collections import defaultdict

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from stroydesk.cases.selectors import escalations_overdue_count
from stroydesk.notifications.selectors import letters_waiting_count

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_lock = threading.Lock()
_counts: dict[tuple[str, str], int] = defaultdict(int)
_buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
_sums: dict[str, float] = defaultdict(float)
_totals: dict[str, int] = defaultdict(int)


def _route(request: HttpRequest) -> str:
    """The URL pattern's name, not the path: ids in paths would make a series per object."""
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match else "") or "unmatched"


def observe_request(request: HttpRequest, status: int, seconds: float) -> None:
    route = _route(request)
    with _lock:
        _counts[(route, f"{status // 100}xx")] += 1
        _sums[route] += seconds
        _totals[route] += 1
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                _buckets[route][i] += 1


def exposition() -> str:
    lines = [
        "# HELP stroydesk_http_requests_total Web requests served by this process.",
        "# TYPE stroydesk_http_requests_total counter",
    ]
    with _lock:
        for (route, status), count in sorted(_counts.items()):
            lines.append(
                f'stroydesk_http_requests_total{{route="{route}",status="{status}"}} {count}'
            )
        lines += [
            "# HELP stroydesk_http_request_seconds Latency of web requests in this process.",
            "# TYPE stroydesk_http_request_seconds histogram",
        ]
        for route in sorted(_totals):
            for bound, count in zip(BUCKETS, _buckets[route], strict=True):
                lines.append(
                    f'stroydesk_http_request_seconds_bucket{{route="{route}",le="{bound}"}} {count}'
                )
            total = _totals[route]
            lines.append(
                f'stroydesk_http_request_seconds_bucket{{route="{route}",le="+Inf"}} {total}'
            )
            lines.append(
                f'stroydesk_http_request_seconds_sum{{route="{route}"}} {_sums[route]:.6f}'
            )
            lines.append(f'stroydesk_http_request_seconds_count{{route="{route}"}} {total}')
    gauges = (
        ("stroydesk_queue_depth", "Jobs waiting in the queue.", HUEY.pending_count()),
        (
            "stroydesk_escalations_overdue",
            "Open escalations past their due moment.",
            escalations_overdue_count(now=timezone.now()),
        ),
        ("stroydesk_letters_waiting", "E-mails logged but not sent yet.", letters_waiting_count()),
    )
    for name, help_text, value in gauges:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
    return "\n".join(lines) + "\n"


def metrics_view(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return HttpResponse("metrics need the token\n", status=401, content_type="text/plain")
    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
