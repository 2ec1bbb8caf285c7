"""What a process keeps resident for routing: one analyser, an index without texts."""

from __future__ import annotations

import gc

import pymorphy3

from stroydesk.cases import services as lifecycle
from stroydesk.core.lemmas import analyse_word
from stroydesk.directory.models import Topic
from stroydesk.routing import engine
from stroydesk.routing.text import lemmas

PERMIT = "Подали документы на разрешение на строительство склада, какой срок рассмотрения?"


def test_routing_and_the_knowledge_base_share_one_morphological_analyser():
    # Each analyser holds its own copy of the dictionaries (~18 MB resident in every web
    # worker and consumer).
    assert lemmas("Разрешения на строительство") == ["разрешение", "строительство"]
    assert analyse_word("разрешения")[0] == "разрешение"
    gc.collect()
    analysers = [o for o in gc.get_objects() if type(o) is pymorphy3.MorphAnalyzer]
    assert len(analysers) == 1


def _answered(new_request, operator):
    answered = new_request("Срок разрешения на строительство", PERMIT)
    lifecycle.request_take(request=answered, by=operator)
    topic = Topic.objects.get(code="construction-permit")
    lifecycle.request_set_topic(request=answered, by=operator, topic=topic)
    lifecycle.request_answer(request=answered, by=operator, text="Срок — 5 рабочих дней.")
    return answered


def test_the_similar_index_keeps_no_texts_and_reads_the_shown_answers(
    trained, new_request, operator, django_assert_num_queries
):
    answered = _answered(new_request, operator)
    engine.suggest(subject="Разрешение", text=PERMIT)  # builds the index
    assert list(engine._similar["rows"].values()) == [
        {"pk": answered.pk, "number": answered.number, "subject": answered.subject}
    ]
    # Warm: the active model, the answers of the one shown, the rules.
    with django_assert_num_queries(3):
        s = engine.suggest(subject="Разрешение", text=PERMIT)
    assert [(i["number"], i["final_answer"]) for i in s.similar] == [
        (answered.number, "Срок — 5 рабочих дней.")
    ]


def test_a_suggestion_without_similar_requests_builds_no_index(trained, new_request, operator):
    _answered(new_request, operator)
    s = engine.suggest(subject="Разрешение", text=PERMIT, similar=0)
    assert s.model_version == 1 and s.similar == []
    assert engine._similar["index"] is None
