from __future__ import annotations

from django.utils import translation

from stroydesk.routing import demo, engine, services
from stroydesk.routing.models import RoutingModel, RoutingRule, TopicPolicy


def test_the_russian_catalog_is_in_use():
    with translation.override("ru"):
        assert translation.gettext("Suggested routing") == "Подсказка маршрутизации"


def test_demo_trains_a_model_once_so_a_fresh_demo_suggests(directory, monkeypatch, small_set):
    monkeypatch.setattr(services, "shipped_examples", lambda: small_set)
    assert "v1" in (demo.demo_seed() or "")
    assert demo.demo_seed() is None  # idempotent
    assert RoutingModel.objects.count() == 1
    assert TopicPolicy.objects.filter(always_escalated=True).count() == len(demo.ALWAYS_ESCALATED)
    assert RoutingRule.objects.count() == 1
    s = engine.suggest(subject="", text="Стройка ночью шумит, забивают сваи в 2 часа ночи")
    assert (s.model_version, s.topic) == (1, "night-works")
