"""One vocabulary of steps (``History.Action``), a history row's escalation as a key, the API's
step endpoints generated from one table, and the rules the services own once (the reopen window,
an active topic)."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from stroydesk.api import requests as cases_api
from stroydesk.cases import services
from stroydesk.cases.lifecycle import TRANSITIONS, actions_for, reopen_last_day
from stroydesk.cases.models import History, Request
from stroydesk.cases.tests.factories import make_request
from stroydesk.directory.models import Topic

S = Request.Status
A = History.Action
URL = "/api/v1/requests/"


def _escalated(applicant_user, operator, authority) -> Request:
    applicant = applicant_user.applicant
    return make_request(
        applicant=applicant, status=S.ESCALATED, operator=operator, authority=authority
    )


def test_every_transition_and_api_step_is_a_word_of_the_vocabulary():
    assert set(TRANSITIONS) <= set(A.values)
    steps = {step.name for step in cases_api.STEPS}
    # Every lifecycle transition has its endpoint, and only notes and set_topic are not steps.
    assert steps - set(TRANSITIONS) == {"notes", "set_topic"}
    assert set(TRANSITIONS) <= steps
    assert len(steps) == len(cases_api.STEPS)


def test_every_api_step_is_in_the_schema_with_its_body(api, admin_user):
    schema = api(admin_user).get("/api/schema/", {"format": "json"}).json()
    for step in cases_api.STEPS:
        operation = schema["paths"][f"{URL}{{id}}/{step.url_path}/"]["post"]
        assert [p["name"] for p in operation["parameters"]] == ["id"]
        assert "200" in operation["responses"]
        if step.serializer.__name__ == "EmptyActionSerializer":
            assert "requestBody" not in operation
        else:
            body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert body.endswith(step.serializer.__name__.removesuffix("Serializer") + "Request")


def test_a_step_of_another_role_is_403_before_its_body_is_read(api, applicant_user, operator):
    request = make_request(applicant=applicant_user.applicant)
    # Bad body and the wrong role: the role is what is answered.
    response = api(applicant_user).post(f"{URL}{request.pk}/take/", {"x": 1}, format="json")
    assert response.status_code == 403
    # The right role with a bad body: 400.
    response = api(operator).post(f"{URL}{request.pk}/take/", {"x": 1}, format="json")
    assert response.status_code == 400


def test_history_rows_of_an_authoritys_period_carry_its_escalation(
    operator, specialist, authority, applicant_user
):
    request = make_request(
        applicant=applicant_user.applicant,
        status=S.ESCALATED,
        operator=operator,
        authority=authority,
    )
    escalation = request.escalations.get()
    services.request_authority_query(request=request, by=specialist, question="Какой дом?")
    services.request_add_message(request=request, by=applicant_user, text="Дом 5")
    rows = History.objects.filter(request=request)
    tied = set(rows.filter(escalation=escalation).values_list("action", flat=True))
    assert tied == {A.AUTHORITY_QUERY, A.MESSAGE}
    assert not rows.filter(action=A.REGISTER, escalation__isnull=False).exists()


def test_the_migration_ties_old_rows_to_their_escalation(
    operator, specialist, authority, applicant_user
):
    request = make_request(
        applicant=applicant_user.applicant,
        status=S.ESCALATED,
        operator=operator,
        authority=authority,
    )
    escalation = request.escalations.get()
    old = History.objects.create(
        request=request, action=A.MESSAGE, data={"escalation": escalation.pk, "channel": "email"}
    )
    gone = History.objects.create(request=request, action=A.MESSAGE, data={"escalation": 999999})
    assert old.escalation_id is None
    migration = importlib.import_module("stroydesk.cases.migrations.0009_history_action_escalation")
    migration.tie_rows_to_their_escalation(django_apps, None)
    old.refresh_from_db()
    gone.refresh_from_db()
    assert old.escalation_id == escalation.pk
    assert gone.escalation_id is None  # an escalation that no longer exists ties nothing


def test_the_reopen_window_is_one_rule_for_the_service_and_the_offered_actions(
    operator, applicant_user
):
    request = make_request(applicant=applicant_user.applicant, status=S.ANSWERED, operator=operator)
    last_day = reopen_last_day(request.answered_at)
    within = timezone.now()
    after = timezone.now() + timedelta(days=40)
    assert A.REOPEN in actions_for(request=request, role=applicant_user.role, now=within)
    assert A.REOPEN not in actions_for(request=request, role=applicant_user.role, now=after)
    with pytest.raises(services.TransitionNotAllowed, match=f"{last_day:%d.%m.%Y}"):
        services.request_reopen(request=request, by=applicant_user, reason="Не то", at=after)


def test_a_topic_no_longer_in_use_is_refused_by_the_service_for_every_caller(
    api, operator, applicant_user, topic
):
    request = make_request(
        applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator
    )
    Topic.objects.filter(pk=topic.pk).update(is_active=False)
    topic.refresh_from_db()
    with pytest.raises(services.ValidationError):
        services.request_set_topic(request=request, by=operator, topic=topic)
    response = api(operator).post(
        f"{URL}{request.pk}/set-topic/", {"topic": topic.code}, format="json"
    )
    assert response.status_code == 400
    assert "topic" in response.json()["errors"]
    request.refresh_from_db()
    assert request.topic_id != topic.pk
