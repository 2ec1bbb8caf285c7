from __future__ import annotations

from django.urls import reverse

from stroydesk.cases import services as lifecycle
from stroydesk.cases.models import History, Request
from stroydesk.directory.models import Authority, Topic
from stroydesk.routing import services
from stroydesk.routing.models import AutoRoute, AutoRoutingSettings, TopicPolicy

PERMIT = "Подали документы на разрешение на строительство склада, какой срок рассмотрения?"


def _policy(code: str = "construction-permit", *, enabled: bool = True, threshold: float = 0.5):
    TopicPolicy.objects.create(topic=Topic.objects.get(code=code), always_escalated=True)
    AutoRoutingSettings.objects.update_or_create(
        pk=1, defaults={"enabled": enabled, "threshold": threshold}
    )


def test_auto_routing_is_off_by_default(trained, new_request):
    case = new_request("Разрешение на строительство", PERMIT)
    TopicPolicy.objects.create(
        topic=Topic.objects.get(code="construction-permit"), always_escalated=True
    )
    assert services.autoroute_pending().routed == 0
    case.refresh_from_db()
    assert case.status == Request.Status.REGISTERED
    assert not AutoRoute.objects.exists()


def test_auto_routing_escalates_with_the_model_as_actor_once(trained, new_request):
    _policy()
    case = new_request("Разрешение на строительство", PERMIT)
    first = services.autoroute_pending()
    again = services.autoroute_pending()
    assert (first.routed, again.routed, again.skipped) == (1, 0, 0)
    case.refresh_from_db()
    assert case.status == Request.Status.ESCALATED
    assert case.authority.code == "mosgosstroynadzor"
    escalate = History.objects.get(request=case, action="escalate")
    assert escalate.actor.username == "routing-v1"
    assert "v1" in escalate.actor.display_name
    assert AutoRoute.objects.get(request=case).outcome == AutoRoute.Outcome.ROUTED


def test_below_the_threshold_or_another_topic_is_left_to_operators(trained, new_request):
    _policy(threshold=1.0)
    unsure = new_request("Разрешение на строительство", PERMIT)
    _other = new_request("Шум ночью", "Стройка работает ночью, спать невозможно")
    result = services.autoroute_pending()
    assert (result.routed, result.skipped) == (0, 2)
    unsure.refresh_from_db()
    assert unsure.status == Request.Status.REGISTERED
    reasons = set(AutoRoute.objects.values_list("reason", flat=True))
    assert reasons == {"below the threshold", "topic not always escalated"}


def test_a_request_an_operator_took_first_is_left_alone(trained, new_request, operator):
    _policy()
    case = new_request("Разрешение на строительство", PERMIT)
    lifecycle.request_take(request=case, by=operator)
    assert services.autoroute_pending().routed == 0  # no longer "registered": not picked
    case.refresh_from_db()
    assert case.status == Request.Status.IN_PROGRESS


def test_reassigned_auto_routes_appear_in_the_statistics(
    trained, new_request, operator, supervisor, client
):
    _policy()
    case = new_request("Разрешение на строительство", PERMIT)
    services.autoroute_pending()
    case.refresh_from_db()
    lifecycle.request_reassign(
        request=case, by=operator, authority=Authority.objects.get(code="oati"), reason="ОАТИ"
    )
    client.force_login(supervisor)
    body = client.get(reverse("routing:stats")).content.decode()
    assert 'data-figure="auto-routed">1 (' in body
    assert 'data-figure="reassigned">1 (100 %)' in body


def test_the_statistics_page_is_for_supervisors(operator, client, directory):
    client.force_login(operator)
    assert client.get(reverse("routing:stats")).status_code == 403
