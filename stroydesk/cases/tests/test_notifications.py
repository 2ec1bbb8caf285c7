"""E-mail notices: who gets which letter, in both languages, and never twice for one event."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from huey.contrib.djhuey import HUEY

from stroydesk.cases import services, tasks
from stroydesk.cases.models import Notification
from stroydesk.cases.sla import sla_scan
from stroydesk.cases.tests.factories import make_request

MSK = ZoneInfo("Europe/Moscow")


def _to(address):
    return [m for m in mail.outbox if address in m.to]


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
    tasks.notify_request_event.call_local("registered", case.pk)
    tasks.notify_request_event.call_local("registered", case.pk)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(event="registered", request=case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_is_sent_by_the_retry(applicant_user, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP is down")

    HUEY.read_schedule(datetime.max)  # no retries left over from other tests
    monkeypatch.setattr(EmailMessage, "send", broken)
    case = make_request(applicant=applicant_user.applicant)
    monkeypatch.undo()
    assert _to(applicant_user.applicant.email) == []
    # The delivery job (channels.outbound) scheduled itself again; its time comes.
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
    sla_scan()
    sla_scan()
    alerts = _to(supervisor.email)
    assert len(alerts) == 1
    assert case.number in alerts[0].body
    tasks.notify_sla.call_local([], list(case.escalations.values_list("pk", flat=True)))
    assert len(_to(supervisor.email)) == 1


@pytest.mark.django_db(transaction=True)
def test_due_soon_reminder_reaches_the_specialist(operator, specialist, authority):
    case = make_request(status="escalated", operator=operator, authority=authority)
    escalation = case.escalations.get()
    mail.outbox.clear()
    tasks.notify_sla.call_local([escalation.pk], [])
    tasks.notify_sla.call_local([escalation.pk], [])
    (letter,) = _to(specialist.email)
    assert case.number in letter.subject
