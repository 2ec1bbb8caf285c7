"""Assigning a request to an operator: the service's rules, its history, its letter, its API."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from stroydesk.accounts.models import User
from stroydesk.accounts.services import user_create
from stroydesk.cases import services
from stroydesk.cases.models import Escalation, History, Request
from stroydesk.cases.tests.factories import make_request
from stroydesk.notifications import tasks

S = Request.Status
URL = "/api/v1/requests/"


def _assign_rows(request: Request) -> list[History]:
    return list(History.objects.filter(request=request, action="assign").order_by("id"))


# --- The service -----------------------------------------------------------------------------


def test_assigning_a_new_request_puts_it_into_work_with_that_operator(supervisor, operator2):
    case = make_request()
    version = case.version
    services.request_assign(request=case, by=supervisor, operator=operator2)
    case.refresh_from_db()
    assert (case.status, case.operator, case.version) == (S.IN_PROGRESS, operator2, version + 1)
    (row,) = _assign_rows(case)
    assert (row.actor, row.from_status, row.to_status) == (supervisor, S.REGISTERED, S.IN_PROGRESS)
    assert row.data == {"from": "", "to": "operator2"}
    assert row.is_public is False


def test_assigning_an_escalated_request_changes_only_the_operator(operator, operator2, authority):
    case = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    due_at = case.due_at
    services.request_assign(request=case, by=operator, operator=operator2)
    case.refresh_from_db()
    assert (case.status, case.operator, case.authority, case.due_at) == (
        S.ESCALATED,
        operator2,
        authority,
        due_at,
    )
    assert Escalation.objects.get(request=case).status == Escalation.Status.OPEN
    (row,) = _assign_rows(case)
    assert (row.from_status, row.to_status) == (S.ESCALATED, S.ESCALATED)
    assert row.data == {"from": "operator", "to": "operator2"}


def test_a_waiting_request_keeps_waiting_and_returns_where_it_was(operator, operator2):
    case = make_request(status=S.WAITING_APPLICANT, operator=operator)
    services.request_assign(request=case, by=operator, operator=operator2)
    case.refresh_from_db()
    assert (case.status, case.paused_status, case.operator) == (
        S.WAITING_APPLICANT,
        S.IN_PROGRESS,
        operator2,
    )


def test_a_supervisor_can_be_put_in_charge(operator, supervisor):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    services.request_assign(request=case, by=supervisor, operator=supervisor)
    case.refresh_from_db()
    assert case.operator == supervisor


def test_a_closed_request_is_refused(operator, operator2):
    case = make_request(status=S.CLOSED, operator=operator)
    with pytest.raises(services.TransitionNotAllowed):
        services.request_assign(request=case, by=operator, operator=operator2)
    case.refresh_from_db()
    assert (case.status, case.operator) == (S.CLOSED, operator)
    assert _assign_rows(case) == []


def test_a_stale_copy_loses_to_the_first_writer(operator, operator2, supervisor):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    stale = Request.objects.select_related("operator").get(pk=case.pk)
    services.request_assign(request=case, by=operator, operator=supervisor)
    with pytest.raises(services.ConcurrentChange):
        services.request_assign(request=stale, by=operator, operator=operator2)
    case.refresh_from_db()
    assert case.operator == supervisor
    assert [row.data["to"] for row in _assign_rows(case)] == ["supervisor"]


def test_assigning_to_the_current_operator_is_a_field_error(operator):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    with pytest.raises(ValidationError) as refused:
        services.request_assign(request=case, by=operator, operator=operator)
    assert "operator" in refused.value.message_dict
    assert _assign_rows(case) == []


@pytest.mark.parametrize("target", ["specialist", "applicant_user", "admin_user", "inactive"])
def test_only_an_active_operator_or_supervisor_can_be_put_in_charge(
    target, request, operator, supervisor
):
    if target == "inactive":
        person = user_create(username="gone", password="pass-for-tests-1", role=User.Role.OPERATOR)
        User.objects.filter(pk=person.pk).update(is_active=False)
        person.refresh_from_db()
    else:
        person = request.getfixturevalue(target)
    case = make_request()
    with pytest.raises(ValidationError) as refused:
        services.request_assign(request=case, by=supervisor, operator=person)
    assert "operator" in refused.value.message_dict
    case.refresh_from_db()
    assert (case.status, case.operator) == (S.REGISTERED, None)
    assert _assign_rows(case) == []


@pytest.mark.parametrize("persona", ["applicant_user", "specialist"])
def test_applicants_and_specialists_cannot_assign(persona, request, operator, authority):
    by = request.getfixturevalue(persona)
    # Their own request, with their own authority: still not theirs to hand out.
    applicant = by.applicant if persona == "applicant_user" else None
    case = make_request(
        applicant=applicant, status=S.ESCALATED, operator=operator, authority=authority
    )
    operator2 = user_create(username="op2", password="pass-for-tests-1", role=User.Role.OPERATOR)
    with pytest.raises(PermissionDenied):
        services.request_assign(request=case, by=by, operator=operator2)
    case.refresh_from_db()
    assert case.operator == operator
    assert _assign_rows(case) == []


# --- The letter to the operator now in charge -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_assigned_operator_is_told_once_and_a_self_assignment_tells_nobody(
    operator, operator2, supervisor
):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    mail.outbox.clear()
    services.request_assign(request=case, by=supervisor, operator=operator2)
    (letter,) = [m for m in mail.outbox if operator2.email in m.to]
    assert case.number in letter.subject
    assert "назначено вам" in letter.subject and "assigned to you" in letter.subject
    assert f"/desk/requests/{case.pk}/" in letter.body
    mail.outbox.clear()
    services.request_assign(request=case, by=supervisor, operator=supervisor)
    assert mail.outbox == []
    # A job of an earlier assignment that runs only now finds the self-assignment: no letter.
    tasks.request_letters.call_local(History.objects.filter(action="assign").latest("id").pk)
    assert mail.outbox == []


# --- The API ---------------------------------------------------------------------------------


def _post(client, case: Request, operator: object):
    return client.post(f"{URL}{case.pk}/assign/", {"operator": operator}, format="json")


def test_api_assigns_by_login_or_id(api, supervisor, operator, operator2):
    case = make_request()
    response = _post(api(supervisor), case, "operator2")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == S.IN_PROGRESS
    assert body["history"][-1]["action"] == "assign"
    assert "assign" in body["actions"]
    by_id = _post(api(supervisor), case, operator.pk)
    assert by_id.status_code == 200, by_id.content
    case.refresh_from_db()
    assert case.operator == operator


def test_api_refuses_the_current_operator_and_unknown_logins_per_field(
    api, operator, applicant_user
):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    same = _post(api(operator), case, "operator")
    assert same.status_code == 400
    assert "operator" in same.json()["errors"]
    # An applicant's login is their e-mail: it is as unknown here as a made-up one.
    for stranger in (applicant_user.username, "nobody", True, None):
        refused = _post(api(operator), case, stranger)
        assert refused.status_code == 400, stranger
        assert "operator" in refused.json()["errors"]
    case.refresh_from_db()
    assert case.version == 2  # registered, taken: nothing since


def test_api_specialist_gets_403(api, operator, operator2, specialist, authority):
    case = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    assert _post(api(specialist), case, "operator2").status_code == 403
    case.refresh_from_db()
    assert case.operator == operator


def test_api_applicant_gets_404_for_another_request_and_403_for_their_own(
    api, operator, operator2, applicant_user, other_applicant_user
):
    theirs = make_request(applicant=other_applicant_user.applicant)
    own = make_request(applicant=applicant_user.applicant)
    assert _post(api(applicant_user), theirs, "operator2").status_code == 404
    assert _post(api(applicant_user), own, "operator2").status_code == 403
    assert not Request.objects.filter(operator__isnull=False).exists()


def test_api_closed_request_is_409(api, operator, operator2):
    case = make_request(status=S.CLOSED, operator=operator)
    response = _post(api(operator), case, "operator2")
    assert response.status_code == 409
    assert response.json()["detail"]
    case.refresh_from_db()
    assert case.operator == operator
