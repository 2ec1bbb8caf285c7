"""E-mail notices: who gets which letter, in both languages, and never twice for one event."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from huey.contrib.djhuey import HUEY

from stroydesk.cases import services
from stroydesk.cases.models import History
from stroydesk.cases.tests.factories import make_request
from stroydesk.notifications import tasks
from stroydesk.notifications.models import OutgoingMessage

MSK = ZoneInfo("Europe/Moscow")


def _to(address):
    return [m for m in mail.outbox if address in m.to]


def _row(case, action: str) -> int:
    return History.objects.filter(request=case, action=action).latest("id").pk


@pytest.mark.django_db(transaction=True)
def test_registration_letter_is_bilingual_and_links_the_card(applicant_user):
    case = make_request(applicant=applicant_user.applicant)
    (letter,) = _to(applicant_user.applicant.email)
    assert case.number in letter.subject
    assert "зарегистрировано" in letter.subject and "registered" in letter.subject
    assert f"/my/{case.pk}/" in letter.body
    assert "4 рабочих дней" in letter.body and "4 working days" in letter.body


@pytest.mark.django_db(transaction=True)
def test_running_the_job_again_sends_nothing(applicant_user):
    case = make_request(applicant=applicant_user.applicant)
    assert len(mail.outbox) == 1
    tasks.request_letters.call_local(_row(case, "register"))
    tasks.request_letters.call_local(_row(case, "register"))
    assert len(mail.outbox) == 1
    assert OutgoingMessage.objects.filter(event="registered", request=case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_is_sent_by_the_retry(applicant_user, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP is down")

    HUEY.read_schedule(datetime.max)  # no retries left over from other tests
    monkeypatch.setattr(EmailMessage, "send", broken)
    case = make_request(applicant=applicant_user.applicant)
    monkeypatch.undo()
    assert _to(applicant_user.applicant.email) == []
    # The delivery job (notifications.outbound) scheduled itself again; its time comes.
    (retry,) = [t for t in HUEY.read_schedule(datetime.max) if t.name.endswith("deliver_email")]
    HUEY.execute(retry, timestamp=retry.eta)
    (letter,) = _to(applicant_user.applicant.email)
    assert case.number in letter.subject


@pytest.mark.django_db(transaction=True)
def test_answer_and_clarification_letters_carry_the_text(applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status="in_progress", operator=operator)
    services.request_ask_clarification(
        request=case, by=operator, question="Уточните кадастровый номер"
    )
    services.request_clarify(request=case, by=applicant_user, text="77:01:0001001:1234")
    services.request_answer(request=case, by=operator, text="Разрешение выдаёт Мосгосстройнадзор.")
    letters = _to(applicant_user.applicant.email)
    assert [("Уточните кадастровый номер" in m.body) for m in letters] == [False, True, False]
    assert "Разрешение выдаёт Мосгосстройнадзор." in letters[-1].body


@pytest.mark.django_db(transaction=True)
def test_second_clarification_is_a_new_event(applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status="in_progress", operator=operator)
    for question in ("Первый вопрос", "Второй вопрос"):
        services.request_ask_clarification(request=case, by=operator, question=question)
        services.request_clarify(request=case, by=applicant_user, text="Ответ")
    clarifications = [m for m in _to(applicant_user.applicant.email) if "уточнение" in m.subject]
    assert len(clarifications) == 2


@pytest.mark.django_db(transaction=True)
def test_escalation_mails_only_the_authoritys_specialists(
    operator, specialist, other_specialist, authority
):
    case = make_request(status="escalated", operator=operator, authority=authority)
    (letter,) = _to(specialist.email)
    assert case.number in letter.subject
    assert f"/authority/requests/{case.pk}/" in letter.body
    assert _to(other_specialist.email) == []


@pytest.mark.django_db(transaction=True)
def test_sla_notices_go_once(operator, specialist, supervisor, authority):
    case = make_request(status="in_progress", operator=operator)
    services.request_escalate(
        request=case, by=operator, authority=authority, at=datetime(2021, 2, 19, 10, tzinfo=MSK)
    )
    tasks.sla_scan_periodic.call_local()
    tasks.sla_scan_periodic.call_local()
    alerts = _to(supervisor.email)
    assert len(alerts) == 1
    assert case.number in alerts[0].body
    tasks.sla_letters.call_local([], list(case.escalations.values_list("pk", flat=True)))
    assert len(_to(supervisor.email)) == 1


@pytest.mark.django_db(transaction=True)
def test_due_soon_reminder_reaches_the_specialist(operator, specialist, authority):
    case = make_request(status="escalated", operator=operator, authority=authority)
    escalation = case.escalations.get()
    mail.outbox.clear()
    tasks.sla_letters.call_local([escalation.pk], [])
    tasks.sla_letters.call_local([escalation.pk], [])
    (letter,) = _to(specialist.email)
    assert case.number in letter.subject


# --- The applicant's added information -------------------------------------------------------

ADDED = "Номер разрешения: 77-123. Звоните: +7 999 123-45-67"


@pytest.fixture
def with_phone(applicant_user):
    applicant = applicant_user.applicant
    applicant.phone = "+79991234567"
    applicant.save(update_fields=["phone"])
    return applicant


def _added(case) -> list[OutgoingMessage]:
    return list(OutgoingMessage.objects.filter(event="information_added", request=case))


@pytest.mark.django_db(transaction=True)
def test_added_information_is_mailed_to_the_operator_once(applicant_user, operator, supervisor):
    case = make_request(applicant=applicant_user.applicant, status="in_progress", operator=operator)
    mail.outbox.clear()
    services.request_add_message(request=case, by=applicant_user, text=ADDED, channel="portal")
    (letter,) = mail.outbox
    assert letter.to == [operator.email]
    assert case.number in letter.subject
    assert "дополнил" in letter.subject and "added information" in letter.subject
    assert f"/desk/requests/{case.pk}/" in letter.body
    assert ADDED not in letter.body  # the card shows it, where reading it is recorded
    tasks.request_letters.call_local(_row(case, "message"))
    assert len(mail.outbox) == 1
    assert len(_added(case)) == 1


@pytest.mark.django_db(transaction=True)
def test_each_message_is_its_own_notice(applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status="in_progress", operator=operator)
    mail.outbox.clear()
    services.request_add_message(request=case, by=applicant_user, text="Первое")
    services.request_add_message(request=case, by=None, text="Второе, письмом")
    assert [m.to for m in mail.outbox] == [[operator.email], [operator.email]]


@pytest.mark.django_db(transaction=True)
def test_a_request_without_an_operator_tells_nobody(applicant_user):
    case = make_request(applicant=applicant_user.applicant)  # registered: nobody has taken it
    mail.outbox.clear()
    services.request_add_message(request=case, by=applicant_user, text=ADDED)
    assert mail.outbox == []
    assert _added(case) == []


@pytest.mark.django_db(transaction=True)
def test_an_inactive_operator_is_not_written_to(applicant_user, operator):
    case = make_request(applicant=applicant_user.applicant, status="in_progress", operator=operator)
    operator.is_active = False
    operator.save(update_fields=["is_active"])
    mail.outbox.clear()
    services.request_add_message(request=case, by=None, text=ADDED)
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_clarification_is_not_announced_as_added_information(applicant_user, operator):
    case = make_request(
        applicant=applicant_user.applicant, status="waiting_applicant", operator=operator
    )
    mail.outbox.clear()
    row = services.request_add_message(request=case, by=applicant_user, text="Дом 13")
    assert row.action == "clarify"
    assert _to(operator.email) == []
    assert _added(case) == []


@pytest.mark.django_db(transaction=True)
def test_while_escalated_the_specialists_are_told_too_without_contacts(
    applicant_user, with_phone, operator, authority, specialist, other_specialist
):
    case = make_request(
        applicant=applicant_user.applicant,
        status="escalated",
        operator=operator,
        authority=authority,
    )
    mail.outbox.clear()
    services.request_add_message(request=case, by=None, text=ADDED)  # an e-mail reply
    (to_operator,) = _to(operator.email)
    assert f"/desk/requests/{case.pk}/" in to_operator.body
    (letter,) = _to(specialist.email)
    assert case.number in letter.subject
    assert f"/authority/requests/{case.pk}/" in letter.body
    assert "/desk/" not in letter.body
    for contact in (with_phone.email, with_phone.phone, "123-45-67", with_phone.full_name):
        assert contact not in letter.subject and contact not in letter.body
    assert _to(other_specialist.email) == []
    assert _to(with_phone.email) == []
    assert len(mail.outbox) == 2
    tasks.request_letters.call_local(_row(case, "message"))
    assert len(mail.outbox) == 2
    assert sorted(n.to[0] for n in _added(case)) == sorted([operator.email, specialist.email])


@pytest.mark.django_db(transaction=True)
def test_a_message_of_the_old_authority_is_not_sent_to_the_new_one(
    applicant_user, operator, authority, other_authority, specialist, other_specialist, monkeypatch
):
    case = make_request(
        applicant=applicant_user.applicant,
        status="escalated",
        operator=operator,
        authority=authority,
    )
    with monkeypatch.context() as queue_down:  # the message's job is held up
        queue_down.setattr(tasks, "request_letters", lambda history_id: None)
        services.request_add_message(request=case, by=applicant_user, text=ADDED)
    services.request_reassign(
        request=case, by=operator, authority=other_authority, reason="Вопрос ГПЗУ"
    )
    mail.outbox.clear()
    # It runs only now and finds the request with the other authority: only the operator is told.
    tasks.request_letters.call_local(_row(case, "message"))
    assert [m.to for m in mail.outbox] == [[operator.email]]
