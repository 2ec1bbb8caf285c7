from __future__ import annotations

from stroydesk.routing import services, tasks
from stroydesk.routing.models import AutoRoute, RoutingModel


def test_the_nightly_job_trains_a_new_active_version(trained, monkeypatch, small_set):
    monkeypatch.setattr(services, "shipped_examples", lambda: small_set)
    tasks.routing_retrain.call_local()
    assert RoutingModel.objects.get(is_active=True).version == 2


def test_the_minute_job_does_nothing_while_auto_routing_is_off(trained, new_request):
    new_request("Разрешение на строительство", "Подали документы на разрешение на строительство")
    tasks.routing_autoroute.call_local()
    assert not AutoRoute.objects.exists()
