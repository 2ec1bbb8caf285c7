from __future__ import annotations

import json
from collections import Counter
from io import StringIO

from django.core.management import call_command
from django.utils import translation

from stroydesk.directory.models import Authority, Topic
from stroydesk.routing import engine, services
from stroydesk.routing.learn import split_by_date
from stroydesk.routing.models import RoutingModel

PERMIT = "Подали документы на разрешение на строительство склада, какой срок рассмотрения?"


def test_shipped_set_covers_every_authority_and_topic_of_the_directory(directory):
    rows = services.shipped_examples()
    assert len(rows) >= 1500
    assert len({r.text for r in rows}) == len(rows)
    topics = set(Topic.objects.filter(parent__isnull=False).values_list("code", flat=True))
    assert {r.topic for r in rows} == topics
    assert {r.authority for r in rows} - {""} == set(
        Authority.objects.values_list("code", flat=True)
    )
    assert Counter(r.applicant_type for r in rows)["developer"] > 300


def test_test_split_by_date_holds_phrasings_the_training_rows_never_had():
    learn, test = split_by_date(services.shipped_examples())
    seen = {r.text for r in learn}
    assert max(r.date for r in learn) <= min(r.date for r in test)
    assert not seen & {r.text for r in test}


def test_training_stores_a_versioned_active_model_with_its_figures(trained):
    assert trained.version == 1 and trained.is_active
    for part in ("topic", "authority"):
        assert set(trained.metrics[part]) >= {"accuracy", "macro_f1", "top2", "n"}
        assert 0.5 < trained.metrics[part]["accuracy"] <= 1
    s = engine.suggest(subject="Разрешение на строительство", text=PERMIT)
    assert (s.topic, s.authority, s.source, s.model_version) == (
        "construction-permit",
        "mosgosstroynadzor",
        "model",
        1,
    )
    assert s.topic_confidence > 0.3


def test_a_new_installation_says_it_has_little_history(trained, monkeypatch):
    assert trained.history_examples == 0
    with translation.override("en"):
        assert engine.suggest(subject="", text=PERMIT).note.startswith("Little history yet")
        monkeypatch.setattr(engine, "LITTLE_HISTORY", 0)
        assert engine.suggest(subject="", text=PERMIT).note == ""


def test_a_second_training_takes_over_and_the_first_can_be_switched_back(
    trained, small_set, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        second = services.model_train(shipped=small_set)
    assert second.version == 2
    assert list(RoutingModel.objects.filter(is_active=True).values_list("version", flat=True)) == [
        2
    ]
    assert engine.suggest(subject="", text=PERMIT).model_version == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.model_activate(model=RoutingModel.objects.get(version=1))
    assert list(RoutingModel.objects.filter(is_active=True).values_list("version", flat=True)) == [
        1
    ]
    assert engine.suggest(subject="", text=PERMIT).model_version == 1


def test_admin_action_switches_the_active_model(
    trained, small_set, admin_user, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.model_train(shipped=small_set)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/routing/routingmodel/",
            {"action": "activate", "_selected_action": [trained.pk]},
        )
    assert response.status_code == 302
    assert RoutingModel.objects.get(is_active=True).version == 1


def test_without_a_model_the_suggestion_says_so_and_still_answers(directory):
    s = engine.suggest(subject="Вопрос", text="Что-то непонятное")
    assert s.model_version is None and s.topic == ""
    assert len(s.authorities) >= 3


def test_routing_train_command(directory, monkeypatch, small_set):
    monkeypatch.setattr(services, "shipped_examples", lambda: small_set)
    out = StringIO()
    call_command("routing_train", stdout=out)
    assert "routing model v1" in out.getvalue()
    assert RoutingModel.objects.get().is_active


def test_stored_metrics_are_json(trained):
    assert json.loads(json.dumps(trained.metrics)) == trained.metrics
