"""The authority's questions to the contact center in the workspaces: the specialist asks on
their card, the operators find them in their saved view and reply on the request card."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stroydesk.cases import services
from stroydesk.cases.models import Escalation, History, Request
from stroydesk.cases.tests.factories import make_request

S = Request.Status
QUESTION = "Какой именно дом имеется в виду?"
REPLY = "Дом 13, строение 2."

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(operator, authority, specialist) -> Request:
    return make_request(status=S.ESCALATED, operator=operator, authority=authority)


def _ask(request: Request, specialist) -> None:
    services.request_authority_query(request=request, by=specialist, question=QUESTION)


def _open(request: Request) -> Escalation:
    return Escalation.objects.get(request=request, status="open")


# --- The operator's queue --------------------------------------------------------------------


def test_queue_view_lists_the_questions_the_center_can_reply_to(
    client, operator, authority, specialist, applicant_user
):
    asked = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    _ask(asked, specialist)
    make_request(status=S.ESCALATED, operator=operator, authority=authority)  # no question
    answered = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    _ask(answered, specialist)
    services.request_authority_query_reply(request=answered, by=operator, text=REPLY)
    # Asked, then the operator asks the applicant: the question waits with the request.
    waiting = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    _ask(waiting, specialist)
    services.request_ask_clarification(request=waiting, by=operator, question="Номер дома?")

    client.force_login(operator)
    response = client.get(reverse("portal:queue"), {"view": "questions"})
    assert [c.pk for c in response.context["page"].items] == [asked.pk]
    assert response.context["counts"]["questions"] == 1
    body = response.content.decode()
    assert "Вопросы органов" in body
    assert 'aria-current="page"' in body


def test_questions_tab_is_counted_on_every_queue_view(client, escalated, specialist, operator):
    _ask(escalated, specialist)
    client.force_login(operator)
    response = client.get(reverse("portal:queue"), {"view": "open"})
    assert response.context["counts"]["questions"] == 1
    assert escalated.pk in [c.pk for c in response.context["page"].items]


# --- The operator's card ---------------------------------------------------------------------


def test_desk_card_shows_the_open_question_with_a_reply_form(
    client, escalated, specialist, operator
):
    client.force_login(operator)
    url = reverse("portal:desk_card", args=[escalated.pk])
    assert 'id="authority-query"' not in client.get(url).content.decode()
    _ask(escalated, specialist)
    body = client.get(url).content.decode()
    assert 'id="authority-query"' in body
    assert QUESTION in body
    assert reverse("portal:desk_query_reply", args=[escalated.pk]) in body


def test_operator_replies_on_the_card(client, escalated, specialist, operator):
    _ask(escalated, specialist)
    client.force_login(operator)
    response = client.post(reverse("portal:desk_query_reply", args=[escalated.pk]), {"text": REPLY})
    assert response.status_code == 302
    assert _open(escalated).query_asked_at is None
    body = client.get(response.url).content.decode()
    assert 'id="authority-query"' not in body
    assert REPLY in body  # in the request's history, marked internal


def test_an_empty_reply_stays_on_the_card_with_the_error_next_to_the_field(
    client, escalated, specialist, operator
):
    _ask(escalated, specialist)
    client.force_login(operator)
    response = client.post(reverse("portal:desk_query_reply", args=[escalated.pk]), {"text": " "})
    assert response.status_code == 422
    assert "text" in response.context["query_reply_form"].errors
    assert QUESTION in response.content.decode()
    assert _open(escalated).query == QUESTION


def test_replying_when_there_is_no_question_is_a_409_for_htmx(client, escalated, operator):
    client.force_login(operator)
    response = client.post(
        reverse("portal:desk_query_reply", args=[escalated.pk]),
        {"text": REPLY},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "нет открытого вопроса" in response.content.decode()
    assert not History.objects.filter(action="authority_query_reply").exists()


def test_while_the_applicant_is_asked_the_card_shows_the_question_without_the_form(
    client, escalated, specialist, operator
):
    _ask(escalated, specialist)
    services.request_ask_clarification(request=escalated, by=operator, question="Номер дома?")
    client.force_login(operator)
    body = client.get(reverse("portal:desk_card", args=[escalated.pk])).content.decode()
    assert QUESTION in body
    assert reverse("portal:desk_query_reply", args=[escalated.pk]) not in body


@pytest.mark.parametrize("persona", ["specialist", "applicant_user"])
def test_only_center_staff_reach_the_reply(client, escalated, specialist, persona, request):
    _ask(escalated, specialist)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("portal:desk_query_reply", args=[escalated.pk]), {"text": "x"})
    assert response.status_code == 403
    assert _open(escalated).query == QUESTION


# --- The specialist's card -------------------------------------------------------------------


def test_specialist_asks_on_the_card_and_sees_the_exchange(client, escalated, specialist, operator):
    client.force_login(specialist)
    card = reverse("portal:authority_card", args=[escalated.pk])
    assert (
        reverse("portal:authority_query", args=[escalated.pk]) in client.get(card).content.decode()
    )
    response = client.post(
        reverse("portal:authority_query", args=[escalated.pk]), {"question": QUESTION}
    )
    assert response.status_code == 302
    assert response.url == card
    body = client.get(card).content.decode()
    assert QUESTION in body
    assert reverse("portal:authority_query", args=[escalated.pk]) not in body  # one at a time
    escalated.refresh_from_db()
    assert escalated.status == S.ESCALATED

    services.request_authority_query_reply(request=escalated, by=operator, text=REPLY)
    body = client.get(card).content.decode()
    assert QUESTION in body and REPLY in body
    assert escalated.applicant.full_name not in body  # still no contacts of the applicant


def test_an_empty_question_is_refused_next_to_the_field(client, escalated, specialist):
    client.force_login(specialist)
    response = client.post(reverse("portal:authority_query", args=[escalated.pk]), {"question": ""})
    assert response.status_code == 422
    assert "question" in response.context["query_form"].errors
    assert _open(escalated).query_asked_at is None


def test_a_second_question_while_one_is_open_is_refused_with_a_message(
    client, escalated, specialist
):
    _ask(escalated, specialist)
    client.force_login(specialist)
    response = client.post(
        reverse("portal:authority_query", args=[escalated.pk]), {"question": "Ещё?"}
    )
    assert response.status_code == 302
    assert "message-error" in client.get(response.url).content.decode()
    assert _open(escalated).query == QUESTION


def test_specialist_of_another_authority_cannot_ask(client, escalated, other_specialist):
    client.force_login(other_specialist)
    response = client.post(
        reverse("portal:authority_query", args=[escalated.pk]), {"question": QUESTION}
    )
    assert response.status_code == 404
    assert _open(escalated).query_asked_at is None


def test_operators_cannot_use_the_specialists_question_form(client, escalated, operator):
    client.force_login(operator)
    response = client.post(
        reverse("portal:authority_query", args=[escalated.pk]), {"question": QUESTION}
    )
    assert response.status_code == 403
    assert _open(escalated).query_asked_at is None


def test_after_reassignment_the_new_authority_does_not_see_the_old_exchange(
    client, escalated, specialist, other_specialist, other_authority, operator
):
    _ask(escalated, specialist)
    services.request_authority_query_reply(request=escalated, by=operator, text=REPLY)
    services.request_reassign(
        request=escalated, by=operator, authority=other_authority, reason="Вопрос ГПЗУ"
    )
    client.force_login(other_specialist)
    body = client.get(reverse("portal:authority_card", args=[escalated.pk])).content.decode()
    assert QUESTION not in body and REPLY not in body


def test_the_inbox_marks_an_open_question(client, escalated, specialist):
    _ask(escalated, specialist)
    client.force_login(specialist)
    body = client.get(reverse("portal:authority_inbox")).content.decode()
    assert "вопрос контакт-центру" in body
