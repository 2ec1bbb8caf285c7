from __future__ import annotations

import pytest
from django.urls import reverse

from stroydesk.cases import services as lifecycle
from stroydesk.cases.models import History, Request
from stroydesk.directory.models import Authority, Topic
from stroydesk.routing import engine, services
from stroydesk.routing.models import Confirmation, RoutingRule

PERMIT = "Подали документы на разрешение на строительство склада, какой срок рассмотрения?"


def test_a_keyword_rule_speaks_before_the_model_and_says_so(trained):
    oati = Authority.objects.get(code="oati")
    RoutingRule.objects.create(kind="keywords", pattern="склад", authority=oati)
    s = engine.suggest(subject="Разрешение", text=PERMIT)
    assert (s.source, s.authority, s.authority_confidence) == ("rules", "oati", 1.0)
    assert s.authorities[0] == ("oati", 1.0) and len(s.authorities) >= 3
    assert s.topic == "construction-permit"  # the rule named no topic: the model's stays


def test_keywords_match_any_form_and_all_words_are_needed(trained):
    oati = Authority.objects.get(code="oati")
    RoutingRule.objects.create(kind="keywords", pattern="ордерами раскопки", authority=oati)
    assert engine.suggest(subject="", text="Нет ордера на раскопку у дома").source == "rules"
    assert engine.suggest(subject="", text="Нет ордера у дома").source == "model"


def test_a_cadastral_rule_routes_by_district_to_the_topics_authority(trained):
    tinao = Topic.objects.get(code="new-territories")
    RoutingRule.objects.create(kind="cadastral", pattern="77:17", topic=tinao)
    s = engine.suggest(subject="", text=PERMIT, cadastral_number="77:17:0120316:123")
    assert (s.source, s.topic, s.authority) == ("rules", "new-territories", "new-territories")
    other = engine.suggest(subject="", text=PERMIT, cadastral_number="77:01:0004042:1")
    assert other.source == "model"


def test_an_inactive_rule_is_silent(trained):
    oati = Authority.objects.get(code="oati")
    RoutingRule.objects.create(kind="keywords", pattern="склад", authority=oati, is_active=False)
    assert engine.suggest(subject="", text=PERMIT).source == "model"


def test_the_card_is_prefilled_and_a_correction_becomes_training_data(
    trained, new_request, operator, client, small_set, django_capture_on_commit_callbacks
):
    case = new_request("Разрешение на строительство", PERMIT)
    client.force_login(operator)
    card = client.get(reverse("portal:desk_card", args=[case.pk]))
    body = card.content.decode()
    assert card.status_code == 200
    assert 'id="routing"' in body
    assert 'value="construction-permit" selected' in body
    assert 'value="mosgosstroynadzor" selected' in body
    response = client.post(
        reverse("routing:confirm", args=[case.pk]),
        {"topic": "commissioning-permit", "authority": "mosgosstroynadzor", "escalate": ""},
    )
    assert response.status_code == 302
    confirmation = Confirmation.objects.get()
    assert confirmation.corrected and confirmation.suggested_topic == "construction-permit"
    case.refresh_from_db()
    assert case.topic.code == "commissioning-permit"
    assert any(e.topic == "commissioning-permit" for e in services.history_examples())
    with django_capture_on_commit_callbacks(execute=True):
        second = services.model_train(shipped=small_set)
    assert second.history_examples == 1


def test_confirm_and_escalate_passes_the_request_on(trained, new_request, operator, client):
    case = new_request("Разрешение на строительство", PERMIT)
    client.force_login(operator)
    client.post(
        reverse("routing:confirm", args=[case.pk]),
        {"topic": "construction-permit", "authority": "mosgosstroynadzor", "escalate": "1"},
    )
    case.refresh_from_db()
    assert case.status == Request.Status.ESCALATED and case.authority.code == "mosgosstroynadzor"
    assert not Confirmation.objects.get().corrected


def test_confirm_refuses_an_unknown_topic_and_writes_nothing(
    trained, new_request, operator, client
):
    case = new_request("Разрешение", PERMIT)
    client.force_login(operator)
    response = client.post(
        reverse("routing:confirm", args=[case.pk]), {"topic": "no-such", "authority": ""}
    )
    assert response.status_code == 422
    assert not Confirmation.objects.exists()


@pytest.mark.parametrize("who", ["applicant_user", "specialist"])
def test_confirm_is_for_the_centers_staff_only(trained, new_request, request, client, who):
    case = new_request("Разрешение", PERMIT)
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("routing:confirm", args=[case.pk]),
        {"topic": "construction-permit", "authority": "mosgosstroynadzor"},
    )
    assert response.status_code == 403
    assert not Confirmation.objects.exists()


def test_similar_lists_answered_requests_with_their_answers(
    trained, new_request, operator, django_capture_on_commit_callbacks
):
    answered = new_request("Срок разрешения на строительство", PERMIT)
    lifecycle.request_take(request=answered, by=operator)
    topic = Topic.objects.get(code="construction-permit")
    lifecycle.request_set_topic(request=answered, by=operator, topic=topic)
    lifecycle.request_answer(request=answered, by=operator, text="Срок — 5 рабочих дней.")
    engine.forget_loaded()
    fresh = new_request("Разрешение на стройку", "Какой срок выдачи разрешения на строительство?")
    s = engine.suggest(subject=fresh.subject, text=fresh.text, exclude_request=fresh.pk)
    assert [item["number"] for item in s.similar] == [answered.number]
    assert s.similar[0]["final_answer"] == "Срок — 5 рабочих дней."
    itself = engine.suggest(
        subject=answered.subject, text=answered.text, exclude_request=answered.pk
    )
    assert itself.similar == []
    assert not History.objects.filter(request=fresh).exclude(action="register").exists()
