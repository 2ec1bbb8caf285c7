"""The table of who is told what (``notifications.rules``), walked row by row: each event of a
request sends exactly the listed people one letter each, running its job again sends nothing,
and the events the table does not list tell nobody."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from stroydesk.cases import services
from stroydesk.cases.models import History, Request
from stroydesk.cases.tests.factories import make_request
from stroydesk.directory.models import Topic
from stroydesk.notifications import tasks
from stroydesk.notifications.models import OutgoingMessage
from stroydesk.notifications.rules import REQUEST_RULES

S = Request.Status
MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


@pytest.fixture
def people(applicant_user, operator, operator2, supervisor, specialist, other_specialist):
    return {
        "applicant": applicant_user,
        "operator": operator,
        "operator2": operator2,
        "supervisor": supervisor,
        "specialist": specialist,
        "other_specialist": other_specialist,
    }


def _case(p, status: str, authority=None) -> Request:
    return make_request(
        applicant=p["applicant"].applicant,
        status=status,
        operator=p["operator"],
        authority=authority,
    )


# Action → (what brings the request there and takes the step, who must be told).
Scenario = Callable[[dict, object, object], object]
SCENARIOS: dict[str, tuple[Scenario, set[str]]] = {
    "register": (lambda p, a, o: _case(p, S.REGISTERED), {"applicant"}),
    "answer": (
        lambda p, a, o: services.request_answer(
            request=_case(p, S.IN_PROGRESS), by=p["operator"], text="Ответ."
        ),
        {"applicant"},
    ),
    "ask_clarification": (
        lambda p, a, o: services.request_ask_clarification(
            request=_case(p, S.IN_PROGRESS), by=p["operator"], question="Адрес?"
        ),
        {"applicant"},
    ),
    "escalate": (
        lambda p, a, o: services.request_escalate(
            request=_case(p, S.IN_PROGRESS), by=p["operator"], authority=a, question="?"
        ),
        {"specialist"},
    ),
    "reassign": (
        lambda p, a, o: services.request_reassign(
            request=_case(p, S.ESCALATED, a), by=p["operator"], authority=o, reason="ГПЗУ"
        ),
        {"other_specialist"},
    ),
    "assign": (
        lambda p, a, o: services.request_assign(
            request=_case(p, S.IN_PROGRESS), by=p["supervisor"], operator=p["operator2"]
        ),
        {"operator2"},
    ),
    "authority_query": (
        lambda p, a, o: services.request_authority_query(
            request=_case(p, S.ESCALATED, a), by=p["specialist"], question="Какой адрес?"
        ),
        {"operator"},
    ),
    "authority_query_reply": (
        lambda p, a, o: _query_replied(p, a),
        {"specialist"},
    ),
    "message": (
        lambda p, a, o: services.request_add_message(
            request=_case(p, S.ESCALATED, a), by=p["applicant"], text="Дополнение"
        ),
        {"operator", "specialist"},
    ),
    "authority_answer": (
        lambda p, a, o: services.request_authority_answer(
            request=_case(p, S.ESCALATED, a), by=p["specialist"], text="Ответ органа."
        ),
        {"operator"},
    ),
    "decline": (
        lambda p, a, o: services.request_decline(
            request=_case(p, S.ESCALATED, a), by=p["specialist"], reason="Не наша компетенция"
        ),
        {"operator"},
    ),
    "send_back": (
        lambda p, a, o: services.request_send_back(
            request=_case(p, S.UNDER_REVIEW, a), by=p["operator"], comment="Неполный ответ"
        ),
        {"specialist"},
    ),
}


def _query_replied(p, authority):
    case = _case(p, S.ESCALATED, authority)
    services.request_authority_query(request=case, by=p["specialist"], question="Какой адрес?")
    return services.request_authority_query_reply(
        request=case, by=p["operator"], text="Тверская, 1"
    )


def test_every_row_of_the_table_has_its_scenario():
    assert set(SCENARIOS) == set(REQUEST_RULES)


@pytest.mark.parametrize("action", sorted(SCENARIOS))
def test_each_event_tells_exactly_its_people_once(
    action, people, authority, other_authority, django_capture_on_commit_callbacks
):
    scenario, expected = SCENARIOS[action]
    before = History.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        scenario(people, authority, other_authority)
    rows = History.objects.filter(action=action).order_by("-id")
    row = rows.first()
    assert row is not None and row.pk > before
    letters = [m for m in mail.outbox if row.request.number in m.subject]
    # Only the letters of this step (the setup's steps wrote their own before it).
    ours = OutgoingMessage.objects.filter(key__contains=f":h{row.pk}:")
    told = Counter(address for m in ours for address in m.to)
    addresses = {people[name].email for name in expected}
    assert told == Counter(addresses), action
    assert {a for m in letters for a in m.to} >= addresses
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.request_letters.call_local(row.pk)  # a second run of the same job
    assert len(mail.outbox) == sent
    assert OutgoingMessage.objects.filter(key__contains=f":h{row.pk}:").count() == len(addresses)


def test_the_authoritys_answer_goes_to_the_supervisors_when_no_operator_is_in_charge(
    people, authority, django_capture_on_commit_callbacks
):
    case = _case(people, S.ESCALATED, authority)
    people["operator"].is_active = False
    people["operator"].save(update_fields=["is_active"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_authority_answer(request=case, by=people["specialist"], text="Ответ.")
    assert [m.to for m in mail.outbox] == [[people["supervisor"].email]]
    assert "review" in mail.outbox[0].subject and "проверка" in mail.outbox[0].subject.lower()


def test_steps_the_table_does_not_list_tell_nobody(
    people, authority, topic, django_capture_on_commit_callbacks
):
    operator, applicant = people["operator"], people["applicant"]
    case = _case(people, S.REGISTERED)
    unlisted: list[Callable[[], object]] = [
        lambda: services.request_take(request=case, by=operator),
        lambda: services.request_add_note(request=case, by=operator, text="Заметка"),
        lambda: services.request_set_topic(
            request=case, by=operator, topic=Topic.objects.exclude(pk=topic.pk).first() or topic
        ),
        lambda: services.request_ask_clarification(request=case, by=operator, question="?"),
        lambda: services.request_clarify(request=case, by=applicant, text="Дом 1"),
        lambda: services.request_answer(request=case, by=operator, text="Ответ."),
        lambda: services.request_rate(request=case, by=applicant, score=5),
        lambda: services.request_close(request=case, by=applicant),
        lambda: services.request_reopen(request=case, by=applicant, reason="Не всё"),
    ]
    for step in unlisted:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            step()
        row = History.objects.filter(request=case).latest("id")
        expected = [] if row.action not in REQUEST_RULES else mail.outbox
        assert mail.outbox == expected, row.action
    assert {"take", "note", "clarify", "rated", "close", "reopen"} <= set(
        History.objects.filter(request=case).values_list("action", flat=True)
    )


def test_sla_rows_remind_the_specialists_and_alert_the_supervisors_once(
    people, authority, django_capture_on_commit_callbacks
):
    case = _case(people, S.IN_PROGRESS)
    services.request_escalate(
        request=case,
        by=people["operator"],
        authority=authority,
        at=datetime(2021, 2, 19, 10, tzinfo=MSK),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sla_scan_periodic.call_local()
        tasks.sla_scan_periodic.call_local()
    assert [m.to for m in mail.outbox] == [[people["supervisor"].email]]
    assert OutgoingMessage.objects.filter(event="overdue").count() == 1
    escalation = case.escalations.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sla_letters.call_local([escalation.pk], [])
        tasks.sla_letters.call_local([escalation.pk], [])
    assert [m.to for m in mail.outbox] == [[people["specialist"].email]]
