"""The specialist's question to the contact center and the center's reply: who may, when, and
that the request stays with the authority with its clock running."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from stroydesk.cases import services
from stroydesk.cases.models import Escalation, History, Request
from stroydesk.cases.selectors import request_history_for
from stroydesk.cases.tests.factories import make_request
from stroydesk.core.testing import in_threads as _in_threads
from stroydesk.notifications import tasks
from stroydesk.notifications.models import OutgoingMessage

S = Request.Status
QUESTION = "Какой именно дом на Тверской имеется в виду?"
REPLY = "Дом 13, строение 2; разрешение заявителя № 77-123."


@pytest.fixture
def escalated(applicant_user, operator, authority, specialist) -> Request:
    return make_request(
        applicant=applicant_user.applicant,
        status=S.ESCALATED,
        operator=operator,
        authority=authority,
    )


def _open(request: Request) -> Escalation:
    return Escalation.objects.get(request=request, status=Escalation.Status.OPEN)


def _state(request: Request) -> tuple:
    """What a refused step must leave unchanged."""
    fresh = Request.objects.get(pk=request.pk)
    escalation = Escalation.objects.filter(request=request, status="open").first()
    return (
        fresh.status,
        fresh.version,
        fresh.due_at,
        History.objects.filter(request=request).count(),
        escalation and (escalation.query, escalation.query_asked_at),
    )


# --- Asking ----------------------------------------------------------------------------------


def test_specialist_asks_and_the_request_stays_with_the_authority(escalated, specialist):
    due_before = escalated.due_at
    services.request_authority_query(request=escalated, by=specialist, question=f"  {QUESTION} ")
    escalated.refresh_from_db()
    assert escalated.status == S.ESCALATED
    assert escalated.due_at == due_before  # the clock keeps running: nothing moves the due date
    escalation = _open(escalated)
    assert escalation.query == QUESTION
    assert escalation.query_asked_at is not None
    assert escalation.paused_at is None
    row = History.objects.filter(request=escalated).latest("id")
    assert (row.action, row.actor, row.comment, row.is_public) == (
        "authority_query",
        specialist,
        QUESTION,
        False,
    )
    assert (row.from_status, row.to_status) == (S.ESCALATED, S.ESCALATED)
    assert row.data == {"escalation": escalation.pk}


def test_operator_replies_and_the_question_is_cleared(escalated, specialist, operator):
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    services.request_authority_query_reply(request=escalated, by=operator, text=REPLY)
    escalated.refresh_from_db()
    assert escalated.status == S.ESCALATED
    escalation = _open(escalated)
    assert (escalation.query, escalation.query_asked_at) == ("", None)
    row = History.objects.filter(request=escalated).latest("id")
    assert (row.action, row.actor, row.comment, row.is_public) == (
        "authority_query_reply",
        operator,
        REPLY,
        False,
    )
    assert row.data == {"escalation": escalation.pk, "question": QUESTION}
    # Once answered, the specialist may ask again.
    services.request_authority_query(request=escalated, by=specialist, question="И ещё вопрос")
    assert _open(escalated).query == "И ещё вопрос"


def test_the_applicant_never_sees_the_exchange(escalated, specialist, operator, applicant_user):
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    services.request_authority_query_reply(request=escalated, by=operator, text=REPLY)
    seen = request_history_for(user=applicant_user, request=escalated)
    assert not seen.filter(action__in=["authority_query", "authority_query_reply"]).exists()
    staff = request_history_for(user=operator, request=escalated)
    assert staff.filter(action__in=["authority_query", "authority_query_reply"]).count() == 2


def test_an_administrator_may_ask(escalated, admin_user):
    services.request_authority_query(request=escalated, by=admin_user, question=QUESTION)
    assert _open(escalated).query == QUESTION


def test_specialist_of_another_authority_cannot_ask(escalated, other_specialist):
    before = _state(escalated)
    with pytest.raises(PermissionDenied):
        services.request_authority_query(request=escalated, by=other_specialist, question="?")
    assert _state(escalated) == before


@pytest.mark.parametrize("persona", ["operator", "supervisor", "applicant_user"])
def test_nobody_outside_the_authority_asks_it(escalated, persona, request):
    before = _state(escalated)
    with pytest.raises(PermissionDenied):
        services.request_authority_query(
            request=escalated, by=request.getfixturevalue(persona), question="?"
        )
    assert _state(escalated) == before


def test_an_empty_question_is_refused_next_to_its_field(escalated, specialist):
    before = _state(escalated)
    with pytest.raises(ValidationError) as refused:
        services.request_authority_query(request=escalated, by=specialist, question="   ")
    assert "question" in refused.value.message_dict
    assert _state(escalated) == before


def test_one_open_question_at_a_time(escalated, specialist):
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    before = _state(escalated)
    with pytest.raises(services.TransitionNotAllowed):
        services.request_authority_query(request=escalated, by=specialist, question="Ещё?")
    assert _state(escalated) == before


def test_no_question_once_the_authority_answered(escalated, specialist):
    services.request_authority_answer(request=escalated, by=specialist, text="Ответ органа")
    before = _state(escalated)
    with pytest.raises(services.TransitionNotAllowed):
        services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    assert _state(escalated) == before


@pytest.mark.parametrize("status", [S.REGISTERED, S.IN_PROGRESS, S.ANSWERED, S.CLOSED])
def test_no_question_on_a_request_that_is_not_escalated(status, operator, admin_user):
    request = make_request(status=status, operator=operator)
    before = _state(request)
    with pytest.raises(services.TransitionNotAllowed):
        services.request_authority_query(request=request, by=admin_user, question=QUESTION)
    assert _state(request) == before


def test_asking_the_applicant_pauses_the_clock_and_the_question_waits(
    escalated, specialist, operator, applicant_user
):
    """The operator must ask the applicant to reply: the clock stops as for any clarification,
    the question stays open, and the reply comes once the request is back with the authority."""
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    services.request_ask_clarification(request=escalated, by=operator, question="Номер дома?")
    assert _open(escalated).paused_at is not None
    assert _open(escalated).query == QUESTION
    with pytest.raises(services.TransitionNotAllowed):
        services.request_authority_query_reply(request=escalated, by=operator, text=REPLY)
    services.request_clarify(request=escalated, by=applicant_user, text="Дом 13, строение 2")
    services.request_authority_query_reply(request=escalated, by=operator, text=REPLY)
    escalated.refresh_from_db()
    assert escalated.status == S.ESCALATED
    assert _open(escalated).query_asked_at is None


# --- Replying --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["supervisor", "admin_user", "operator2"])
def test_any_center_staff_may_reply(escalated, specialist, persona, request):
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    services.request_authority_query_reply(
        request=escalated, by=request.getfixturevalue(persona), text=REPLY
    )
    assert _open(escalated).query_asked_at is None


@pytest.mark.parametrize("persona", ["specialist", "applicant_user"])
def test_only_center_staff_reply(escalated, specialist, persona, request):
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    before = _state(escalated)
    with pytest.raises(PermissionDenied):
        services.request_authority_query_reply(
            request=escalated, by=request.getfixturevalue(persona), text=REPLY
        )
    assert _state(escalated) == before


def test_no_reply_without_an_open_question(escalated, operator):
    before = _state(escalated)
    with pytest.raises(services.TransitionNotAllowed):
        services.request_authority_query_reply(request=escalated, by=operator, text=REPLY)
    assert _state(escalated) == before


def test_an_empty_reply_is_refused(escalated, specialist, operator):
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    before = _state(escalated)
    with pytest.raises(ValidationError):
        services.request_authority_query_reply(request=escalated, by=operator, text=" ")
    assert _state(escalated) == before


# --- Two at once -----------------------------------------------------------------------------


def test_a_stale_copy_loses_the_reply(escalated, specialist, operator, operator2):
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    stale = Request.objects.get(pk=escalated.pk)
    services.request_authority_query_reply(request=escalated, by=operator, text=REPLY)
    with pytest.raises(services.TransitionNotAllowed):
        services.request_authority_query_reply(request=stale, by=operator2, text="Другой ответ")
    assert History.objects.filter(request=escalated, action="authority_query_reply").count() == 1


def test_a_stale_copy_loses_the_question(escalated, specialist):
    stale = Request.objects.get(pk=escalated.pk)
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    services.request_authority_query_reply(
        request=escalated, by=escalated.operator, text=REPLY
    )  # the question is closed again, so only the version can tell the copy is stale
    with pytest.raises(services.ConcurrentChange):
        services.request_authority_query(request=stale, by=specialist, question="Устарело")
    assert History.objects.filter(request=escalated, action="authority_query").count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_replies_one_wins(applicant_user, operator, operator2, authority, specialist):
    request = make_request(
        applicant=applicant_user.applicant,
        status=S.ESCALATED,
        operator=operator,
        authority=authority,
    )
    services.request_authority_query(request=request, by=specialist, question=QUESTION)
    staff = [operator, operator2] * 2

    def reply(i: int) -> str:
        fresh = Request.objects.get(pk=request.pk)
        try:
            services.request_authority_query_reply(request=fresh, by=staff[i], text=f"Ответ {i}")
        except services.TransitionNotAllowed:
            return "conflict"
        return "won"

    results, errors = _in_threads(4, reply)
    assert errors == []
    assert sorted(results) == ["conflict"] * 3 + ["won"]
    assert History.objects.filter(request=request, action="authority_query_reply").count() == 1
    assert Escalation.objects.get(request=request).query_asked_at is None


# --- Notices ---------------------------------------------------------------------------------


def _to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


@pytest.mark.django_db(transaction=True)
def test_the_question_is_mailed_to_the_requests_operator_once(
    applicant_user, operator, operator2, supervisor, authority, specialist
):
    request = make_request(
        applicant=applicant_user.applicant,
        status=S.ESCALATED,
        operator=operator,
        authority=authority,
    )
    mail.outbox.clear()
    services.request_authority_query(request=request, by=specialist, question=QUESTION)
    (letter,) = mail.outbox
    assert letter.to == [operator.email]
    assert request.number in letter.subject
    assert QUESTION in letter.body
    assert f"/desk/requests/{request.pk}/" in letter.body
    tasks.request_letters.call_local(
        History.objects.filter(request=request, action="authority_query").latest("id").pk
    )
    assert len(mail.outbox) == 1
    assert OutgoingMessage.objects.filter(event="authority_query", request=request).count() == 1
    assert _to(applicant_user.applicant.email) == []


@pytest.mark.django_db(transaction=True)
def test_the_reply_is_mailed_to_the_authoritys_specialists(
    applicant_user, operator, authority, specialist, other_specialist
):
    request = make_request(
        applicant=applicant_user.applicant,
        status=S.ESCALATED,
        operator=operator,
        authority=authority,
    )
    services.request_authority_query(request=request, by=specialist, question=QUESTION)
    mail.outbox.clear()
    services.request_authority_query_reply(request=request, by=operator, text=REPLY)
    (letter,) = mail.outbox
    assert letter.to == [specialist.email]
    assert QUESTION in letter.body and REPLY in letter.body
    assert f"/authority/requests/{request.pk}/" in letter.body
    assert _to(other_specialist.email) == []
    assert _to(applicant_user.applicant.email) == []


# --- REST API --------------------------------------------------------------------------------

URL = "/api/v1/requests/"


def test_the_exchange_through_the_api(api, escalated, specialist, operator):
    asked = api(specialist).post(
        f"{URL}{escalated.pk}/authority-query/", {"question": QUESTION}, format="json"
    )
    assert asked.status_code == 200, asked.content
    body = asked.json()
    assert body["status"] == S.ESCALATED
    assert body["escalations"][-1]["query"] == QUESTION
    assert body["history"][-1]["action"] == "authority_query"
    again = api(specialist).post(
        f"{URL}{escalated.pk}/authority-query/", {"question": "Ещё?"}, format="json"
    )
    assert again.status_code == 409
    replied = api(operator).post(
        f"{URL}{escalated.pk}/authority-query-reply/", {"text": REPLY}, format="json"
    )
    assert replied.status_code == 200, replied.content
    assert replied.json()["escalations"][-1]["query_asked_at"] is None


def test_api_refusals(api, escalated, operator, other_specialist, applicant_user):
    url = f"{URL}{escalated.pk}/"
    stranger = api(other_specialist).post(
        f"{url}authority-query/", {"question": "?"}, format="json"
    )
    assert stranger.status_code == 404
    operator_asks = api(operator).post(f"{url}authority-query/", {"question": "?"}, format="json")
    assert operator_asks.status_code == 403
    applicant_replies = api(applicant_user).post(
        f"{url}authority-query-reply/", {"text": "x"}, format="json"
    )
    assert applicant_replies.status_code == 403
    nothing_to_reply = api(operator).post(
        f"{url}authority-query-reply/", {"text": REPLY}, format="json"
    )
    assert nothing_to_reply.status_code == 409
    assert not History.objects.filter(
        request=escalated, action__in=["authority_query", "authority_query_reply"]
    ).exists()


def test_after_reassignment_the_new_authority_sees_nothing_of_the_old_exchange(
    api, escalated, specialist, operator, other_authority, other_specialist
):
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    services.request_authority_query_reply(request=escalated, by=operator, text=REPLY)
    services.request_reassign(
        request=escalated, by=operator, authority=other_authority, reason="По компетенции."
    )
    body = api(other_specialist).get(f"{URL}{escalated.pk}/").json()
    assert REPLY not in str(body) and QUESTION not in str(body)
    assert [e["authority"]["code"] for e in body["escalations"]] == [other_authority.code]
    assert "reassign" in [h["action"] for h in body["history"]]
    # The center still sees the whole exchange.
    staff = api(operator).get(f"{URL}{escalated.pk}/").json()
    assert REPLY in str(staff) and len(staff["escalations"]) == 2


def test_a_sent_back_answer_brings_no_stale_question(escalated, specialist, operator):
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    services.request_authority_answer(request=escalated, by=specialist, text="Ответ органа.")
    services.request_send_back(request=escalated, by=operator, comment="Неполный ответ.")
    escalation = _open(escalated)
    assert (escalation.query, escalation.query_asked_at) == ("", None)
    services.request_authority_query(request=escalated, by=specialist, question="Новый вопрос?")
    assert _open(escalated).query == "Новый вопрос?"


def test_a_declined_escalation_takes_its_question_with_it(escalated, specialist):
    services.request_authority_query(request=escalated, by=specialist, question=QUESTION)
    services.request_decline(request=escalated, by=specialist, reason="Не наша компетенция.")
    closed = Escalation.objects.get(request=escalated)
    assert (closed.status, closed.query, closed.query_asked_at) == ("returned", "", None)
