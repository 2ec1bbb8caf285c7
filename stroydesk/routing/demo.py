"""Demo data of routing: a trained model, so that a fresh demo suggests, and the policies."""

from __future__ import annotations

from stroydesk.directory.models import Topic
from stroydesk.routing import services
from stroydesk.routing.models import RoutingModel, RoutingRule, TopicPolicy

# Topics the center never answers alone: the decision is the authority's.
ALWAYS_ESCALATED = (
    "construction-permit",
    "commissioning-permit",
    "earthworks-order",
    "night-works",
)


def demo_seed() -> str | None:
    for topic in Topic.objects.filter(code__in=ALWAYS_ESCALATED):
        TopicPolicy.objects.get_or_create(topic=topic, defaults={"always_escalated": True})
    tinao = Topic.objects.filter(code="new-territories").first()
    if tinao is not None and not RoutingRule.objects.exists():
        RoutingRule.objects.create(
            kind=RoutingRule.Kind.CADASTRAL,
            pattern="77:17",
            topic=tinao,
            note="Кадастровый район 77:17 — Новомосковский административный округ.",
        )
    if RoutingModel.objects.exists():
        return None
    model = services.model_train()
    return f"routing model v{model.version} trained on {model.examples} requests"
