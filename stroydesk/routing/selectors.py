"""Reads of routing: the card's suggestion panel and the supervisors' statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from stroydesk.cases import selectors as cases
from stroydesk.cases.models import Request
from stroydesk.directory.selectors import authority_list
from stroydesk.routing import engine
from stroydesk.routing.models import AutoRoute, Confirmation, RoutingModel


def suggestion_for_request(*, request: Request) -> engine.Suggestion:
    return engine.suggest(
        subject=request.subject,
        text=request.text[: engine.MAX_TEXT_CHARS],
        applicant_type=request.applicant.kind,
        channel=request.channel,
        cadastral_number=request.cadastral_number,
        exclude_request=request.pk,
    )


def model_list() -> list[RoutingModel]:
    return list(RoutingModel.objects.defer("blob").order_by("-version")[:20])


@dataclass
class RoutingStats:
    """Auto-routing and the operators' verdicts over a period."""

    since: datetime
    registered: int
    auto_routed: int
    auto_reassigned: int
    skipped: int
    confirmations: int
    corrections: int

    @property
    def auto_share(self) -> float:
        return self.auto_routed / self.registered if self.registered else 0.0

    @property
    def reassigned_share(self) -> float:
        return self.auto_reassigned / self.auto_routed if self.auto_routed else 0.0

    @property
    def correction_share(self) -> float:
        return self.corrections / self.confirmations if self.confirmations else 0.0


def routing_stats(*, days: int = 30, now: datetime | None = None) -> RoutingStats:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    decisions = AutoRoute.objects.filter(at__gte=since).aggregate(
        routed=Count("pk", filter=Q(outcome=AutoRoute.Outcome.ROUTED)),
        skipped=Count("pk", filter=Q(outcome=AutoRoute.Outcome.SKIPPED)),
    )
    routed_ids = list(
        AutoRoute.objects.filter(at__gte=since, outcome=AutoRoute.Outcome.ROUTED).values_list(
            "request_id", flat=True
        )
    )
    confirmations = list(
        Confirmation.objects.filter(at__gte=since).select_related("topic", "authority")
    )
    return RoutingStats(
        since=since,
        registered=cases.requests_registered_count(since=since, until=now),
        auto_routed=decisions["routed"],
        auto_reassigned=len(cases.request_ids_reassigned(ids=routed_ids)) if routed_ids else 0,
        skipped=decisions["skipped"],
        confirmations=len(confirmations),
        corrections=sum(1 for c in confirmations if c.corrected),
    )


def authority_names() -> dict[str, str]:
    return dict(authority_list(active_only=False).values_list("code", "short_name"))
