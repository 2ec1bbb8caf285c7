"""The specialist's inbox and answers, and the supervisor's board, workload and access log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from stroydesk.accounts.services import personal_data_access_record
from stroydesk.cases import services as lifecycle
from stroydesk.cases.models import Escalation, History, Request
from stroydesk.cases.tests.factories import make_request
from stroydesk.portal.templatetags.portal import due_class, working_days_left
from stroydesk.workcalendar import selectors as workdays

S = Request.Status


@pytest.fixture
def as_specialist(client, specialist):
    client.force_login(specialist)
    return client


@pytest.fixture
def as_supervisor(client, supervisor):
    client.force_login(supervisor)
    return client


# --- Specialist ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_inbox_lists_only_own_authority_most_urgent_first(
    as_specialist, operator, authority, other_authority, other_specialist
):
    later = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    sooner = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    foreign = make_request(status=S.ESCALATED, operator=operator, authority=other_authority)
    Request.objects.filter(pk=sooner.pk).update(due_at=later.due_at - timedelta(days=1))
    Escalation.objects.filter(request=sooner).update(due_at=later.due_at - timedelta(days=1))
    response = as_specialist.get(reverse("portal:authority_inbox"))
    rows = [e.request_id for e in response.context["escalations"]]
    assert rows == [sooner.pk, later.pk]
    assert foreign.number not in response.content.decode()


@pytest.mark.django_db
def test_specialist_of_another_authority_gets_not_found(
    client, other_specialist, operator, authority
):
    case = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    client.force_login(other_specialist)
    assert client.get(reverse("portal:authority_card", args=[case.pk])).status_code == 404
    response = client.post(reverse("portal:authority_answer", args=[case.pk]), {"text": "Ответ"})
    assert response.status_code == 404
    assert Request.objects.get(pk=case.pk).status == S.ESCALATED


@pytest.mark.django_db
def test_specialist_card_shows_no_contacts(as_specialist, operator, authority):
    case = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    body = as_specialist.get(reverse("portal:authority_card", args=[case.pk])).content.decode()
    assert case.text in body
    assert case.applicant.email not in body
    assert case.applicant.full_name not in body


def _card(client, case: Request) -> str:
    return client.get(reverse("portal:authority_card", args=[case.pk])).content.decode()


@pytest.mark.django_db
def test_specialist_card_shows_what_the_applicant_added_without_contacts(
    as_specialist, applicant_user, operator, authority
):
    applicant = applicant_user.applicant
    case = make_request(
        applicant=applicant, status=S.ESCALATED, operator=operator, authority=authority
    )
    assert "Дополнения заявителя" not in _card(as_specialist, case)
    row = lifecycle.request_add_message(request=case, by=applicant_user, text="Дом 13, стр. 2")
    body = _card(as_specialist, case)
    assert "Дополнения заявителя" in body
    assert "Дом 13, стр. 2" in body
    assert "Сообщение заявителя" in body
    assert timezone.localtime(row.at).strftime("%d.%m.%Y %H:%M") in body
    assert applicant.email not in body and applicant.full_name not in body


@pytest.mark.django_db
def test_specialist_card_leaves_out_what_came_while_another_authority_had_it(
    client, applicant_user, operator, authority, other_authority, specialist, other_specialist
):
    case = make_request(
        applicant=applicant_user.applicant,
        status=S.ESCALATED,
        operator=operator,
        authority=other_authority,
    )
    lifecycle.request_add_message(request=case, by=None, text="Письмо в период Москомархитектуры")
    lifecycle.request_reassign(request=case, by=operator, authority=authority, reason="Не их")
    lifecycle.request_add_message(request=case, by=None, text="Письмо в период МГСН")
    client.force_login(specialist)
    body = _card(client, case)
    assert "Письмо в период МГСН" in body
    assert "Письмо в период Москомархитектуры" not in body
    client.force_login(other_specialist)  # the request is no longer with their authority
    assert client.get(reverse("portal:authority_card", args=[case.pk])).status_code == 404


@pytest.mark.django_db
def test_specialist_answers_and_the_request_goes_to_review(as_specialist, operator, authority):
    case = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    response = as_specialist.post(
        reverse("portal:authority_answer", args=[case.pk]), {"text": "Разрешение не требуется."}
    )
    assert response.status_code == 302
    assert Request.objects.get(pk=case.pk).status == S.UNDER_REVIEW


@pytest.mark.django_db
def test_specialist_declines_with_a_reason(as_specialist, operator, authority):
    case = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    url = reverse("portal:authority_decline", args=[case.pk])
    assert as_specialist.post(url, {"reason": ""}).status_code == 422
    assert as_specialist.post(url, {"reason": "Это вопрос ДГИ"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.authority) == (S.IN_PROGRESS, None)


@pytest.mark.django_db
def test_answering_twice_is_a_conflict(as_specialist, operator, authority):
    case = make_request(status=S.UNDER_REVIEW, operator=operator, authority=authority)
    response = as_specialist.post(
        reverse("portal:authority_answer", args=[case.pk]),
        {"text": "Ещё раз"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409


@pytest.mark.django_db
def test_operators_cannot_open_the_specialist_pages(client, operator):
    client.force_login(operator)
    assert client.get(reverse("portal:authority_inbox")).status_code == 403


@pytest.mark.django_db  # the calendar's admin overrides are read from the database
def test_due_colours_follow_working_days():
    now = timezone.now()
    today = workdays.moscow_date(now)
    assert due_class(now - timedelta(minutes=1)) == "due-overdue"
    assert due_class(workdays.end_of_day(today)) == "due-today"
    next_day = workdays.end_of_day(workdays.add_working_days(today, 1))
    assert working_days_left(next_day, now) == 1
    assert due_class(next_day) == "due-soon"
    assert due_class(workdays.end_of_day(workdays.add_working_days(today, 3))) == "due-ok"


# --- Supervisor ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_board_shows_overdue_and_at_risk(as_supervisor, operator, authority):
    late = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    risky = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    calm = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    now = timezone.now()
    Escalation.objects.filter(request=late).update(due_at=now - timedelta(hours=1))
    Escalation.objects.filter(request=risky).update(
        due_at=workdays.end_of_day(workdays.moscow_date(now))
    )
    response = as_supervisor.get(reverse("portal:board"))
    assert [e.request_id for e in response.context["overdue"]] == [late.pk]
    assert [e.request_id for e in response.context["at_risk"]] == [risky.pk]
    assert calm.number not in response.content.decode()


def _late(operator, authority) -> Request:
    case = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    Escalation.objects.filter(request=case).update(due_at=timezone.now() - timedelta(hours=1))
    return case


@pytest.mark.django_db
def test_board_hands_ticked_late_requests_to_another_operator(
    as_supervisor, supervisor, operator, operator2, authority
):
    late = _late(operator, authority)
    board = reverse("portal:board")
    body = as_supervisor.get(board).content.decode()
    # One choice of operator for the page, a tick per row; no per-row select and button.
    assert body.count('name="operator"') == 1
    assert f'name="ids" value="{late.pk}"' in body
    assert f'action="{reverse("portal:queue_assign")}"' in body
    assert f"{reverse('portal:desk_card', args=[late.pk])}#reassign" in body
    response = as_supervisor.post(
        reverse("portal:queue_assign"), {"ids": [late.pk], "operator": operator2.pk, "next": board}
    )
    assert response.status_code == 302 and response.url == board
    late.refresh_from_db()
    assert (late.status, late.operator) == (S.ESCALATED, operator2)
    row = History.objects.get(request=late, action="assign")
    assert (row.actor, row.data) == (supervisor, {"from": "operator", "to": "operator2"})


@pytest.mark.django_db
def test_board_refusal_comes_back_to_the_board_with_the_reason(
    as_supervisor, operator, operator2, authority
):
    late = _late(operator, authority)
    board = reverse("portal:board")
    response = as_supervisor.post(
        reverse("portal:queue_assign"),
        {"ids": [late.pk], "operator": operator.pk, "next": board},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == board
    assert late.number in response.content.decode()
    late.refresh_from_db()
    assert late.operator == operator


@pytest.mark.django_db
def test_workload_per_operator_and_authority(as_supervisor, operator, operator2, authority):
    make_request(status=S.IN_PROGRESS, operator=operator)
    make_request(status=S.ESCALATED, operator=operator, authority=authority)
    make_request(status=S.IN_PROGRESS, operator=operator2)
    make_request()
    context = as_supervisor.get(reverse("portal:workload")).context
    totals = {row["operator__username"]: row["total"] for row in context["operators"]}
    assert totals == {"operator": 2, "operator2": 1}
    assert [(r["authority__short_name"], r["total"]) for r in context["authorities"]] == [
        (authority.short_name, 1)
    ]
    assert context["unassigned"] == 1


@pytest.mark.django_db
def test_access_log_lists_and_filters(as_supervisor, operator, operator2):
    case = make_request()
    personal_data_access_record(actor=operator, applicant=case.applicant, context=case.number)
    personal_data_access_record(actor=operator2, applicant=case.applicant, context="phone intake")
    everything = as_supervisor.get(reverse("portal:audit")).context["page"].items
    assert [row.context for row in everything] == ["phone intake", case.number]
    only = as_supervisor.get(reverse("portal:audit"), {"actor": "operator"}).context["page"].items
    assert [row.actor for row in only] == [operator]


@pytest.mark.django_db
def test_supervisor_pages_are_closed_to_operators(client, operator):
    client.force_login(operator)
    for name in ("portal:board", "portal:workload", "portal:audit"):
        assert client.get(reverse(name)).status_code == 403
