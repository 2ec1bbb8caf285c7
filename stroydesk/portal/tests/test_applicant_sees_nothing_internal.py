"""What the applicant reads of their request's timeline, by the API and on the portal card,
carries nothing of the center's and the authorities' internal work: no escalation's id, no due
moment, no authority of an internal step, no internal note, no staff exchange."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from stroydesk.cases import services
from stroydesk.cases.models import Escalation, History, Request
from stroydesk.cases.tests.factories import make_request

S = Request.Status
NOTE = "Внутренняя заметка: заявитель звонил трижды"
QUESTION = "Какой номер разрешения у застройщика?"
REPLY = "Разрешение № 77-101000-0001-2026"
REASON = "Объект в ведении другого органа"


@pytest.fixture
def walked(applicant_user, operator, specialist, authority, other_authority) -> Request:
    """A request that went through every internal step while staying the applicant's."""
    request = make_request(
        applicant=applicant_user.applicant,
        status=S.ESCALATED,
        operator=operator,
        authority=authority,
    )
    services.request_add_note(request=request, by=operator, text=NOTE)
    services.request_authority_query(request=request, by=specialist, question=QUESTION)
    services.request_authority_query_reply(request=request, by=operator, text=REPLY)
    services.request_add_message(request=request, by=applicant_user, text="Добавляю фото")
    services.request_ask_clarification(request=request, by=operator, question="Уточните адрес")
    services.request_clarify(request=request, by=applicant_user, text="Тверская, 1")
    services.request_reassign(
        request=request, by=operator, authority=other_authority, reason=REASON
    )
    return request


def _internal_marks(request: Request) -> list[str]:
    """Strings that would betray internal work if the applicant could read them."""
    marks = [NOTE, QUESTION, REPLY, REASON, "due_at", '"escalation"', "paused_working_days"]
    for escalation in Escalation.objects.filter(request=request).select_related("authority"):
        marks.append(escalation.due_at.isoformat())
        marks.append(escalation.due_at.strftime("%d.%m.%Y"))
    marks.append(Escalation.objects.filter(request=request).last().authority.short_name)
    return marks


def test_the_walk_recorded_the_internal_details_it_must_hide(walked):
    # The test can fail: the rows do carry what the applicant must not read.
    rows = History.objects.filter(request=walked)
    assert rows.filter(escalation__isnull=False, is_public=True).exists()
    assert any("due_at" in row.data for row in rows.filter(is_public=True))


def test_applicants_api_history_carries_nothing_internal(api, applicant_user, walked):
    response = api(applicant_user).get(f"/api/v1/requests/{walked.pk}/")
    assert response.status_code == 200
    body = response.json()
    history = json.dumps(body["history"], ensure_ascii=False)
    for mark in _internal_marks(walked):
        assert mark not in history, mark
    assert body["escalations"] == []
    actions = [row["action"] for row in body["history"]]
    assert "note" not in actions and "authority_query" not in actions
    assert {"register", "escalate", "message", "clarify"} <= set(actions)
    # The public details stay: how it came in, and the authority it first went to.
    register = next(row for row in body["history"] if row["action"] == "register")
    assert register["data"] == {"channel": "portal", "attachments": 0}


def test_applicants_card_carries_nothing_internal(client, applicant_user, walked):
    client.force_login(applicant_user)
    response = client.get(reverse("portal:my_request", args=[walked.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    # The card's header tells the applicant when the answer is due at the latest (the center's
    # public promise); the timeline and the rest of the page tell nothing internal.
    for mark in _internal_marks(walked):
        if mark == walked.due_at.strftime("%d.%m.%Y"):
            assert page.count(mark) == 1, mark
        else:
            assert mark not in page, mark
    timeline = page[page.index('id="history"') :]
    assert "Тверская, 1" in timeline and "Добавляю фото" in timeline
    rows = response.context["history"]
    assert all(row.escalation_id is None for row in rows)
    assert all(set(row.data) <= {"channel", "attachments", "authority", "score"} for row in rows)


def test_staff_still_read_every_detail(api, operator, walked):
    body = api(operator).get(f"/api/v1/requests/{walked.pk}/").json()
    query = next(row for row in body["history"] if row["action"] == "authority_query")
    assert query["data"]["escalation"] == walked.escalations.order_by("id").first().pk
    assert NOTE in json.dumps(body["history"], ensure_ascii=False)
