"""The 4-working-day promise on a request: due moments, pauses, reopen window, SLA marks."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from stroydesk.cases import services
from stroydesk.cases.models import Escalation, History, Request
from stroydesk.cases.sla import sla_scan
from stroydesk.cases.tests.factories import make_request

MSK = ZoneInfo("Europe/Moscow")
S = Request.Status


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def test_escalation_on_friday_before_defender_day_is_due_next_friday(
    operator, authority, applicant_user
):
    request = make_request(
        applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator
    )
    with time_machine.travel(msk(2021, 2, 19, 15, 30), tick=False):
        services.request_escalate(request=request, by=operator, authority=authority)
    request.refresh_from_db()
    assert request.due_at == msk(2021, 2, 26, 23, 59, 59)
    assert Escalation.objects.get(request=request).due_at == request.due_at


def test_pause_moves_the_due_moment_by_the_paused_working_days(operator, authority, applicant_user):
    request = make_request(
        applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator
    )
    with time_machine.travel(msk(2021, 2, 19, 10, 0), tick=False):
        services.request_escalate(request=request, by=operator, authority=authority)
    with time_machine.travel(msk(2021, 2, 24, 11, 0), tick=False):
        services.request_ask_clarification(request=request, by=operator, question="Адрес?")
    # Paused on Wed 24.02; resumed Mon 01.03: Thu 25, Fri 26, Mon 01 were lost = 3 days.
    with time_machine.travel(msk(2021, 3, 1, 9, 0), tick=False):
        services.request_clarify(request=request, by=applicant_user, text="Тверская, 13")
    request.refresh_from_db()
    escalation = Escalation.objects.get(request=request)
    assert escalation.paused_working_days == 3
    assert request.due_at == escalation.due_at == msk(2021, 3, 3, 23, 59, 59)
    clarified = History.objects.get(request=request, action="clarify")
    assert clarified.data["paused_working_days"] == 3


def test_pause_and_resume_on_the_same_day_moves_nothing(operator, authority, applicant_user):
    request = make_request(
        applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator
    )
    with time_machine.travel(msk(2021, 3, 1, 10, 0), tick=False):
        services.request_escalate(request=request, by=operator, authority=authority)
        due = Request.objects.get(pk=request.pk).due_at
        services.request_ask_clarification(request=request, by=operator, question="Адрес?")
        services.request_clarify(request=request, by=applicant_user, text="Тверская, 13")
    request.refresh_from_db()
    assert request.due_at == due


def test_reopen_within_ten_working_days(operator, applicant_user):
    with time_machine.travel(msk(2021, 2, 19, 12, 0), tick=False):
        request = make_request(
            applicant=applicant_user.applicant, status=S.ANSWERED, operator=operator
        )
    # 10 working days after Fri 19.02.2021: 20.02 (a working Saturday), 24–26.02, 01–05.03 and,
    # over the 8 March holiday, Tue 09.03.
    with time_machine.travel(msk(2021, 3, 9, 18, 0), tick=False):
        services.request_reopen(request=request, by=applicant_user, reason="Ответ неполный")
    request.refresh_from_db()
    assert request.status == S.IN_PROGRESS


def test_reopen_after_the_window_is_refused(operator, applicant_user):
    with time_machine.travel(msk(2021, 2, 19, 12, 0), tick=False):
        request = make_request(
            applicant=applicant_user.applicant, status=S.CLOSED, operator=operator
        )
    with (
        time_machine.travel(msk(2021, 3, 10, 0, 0, 1), tick=False),
        pytest.raises(services.TransitionNotAllowed, match=r"09\.03\.2021"),
    ):
        services.request_reopen(request=request, by=applicant_user, reason="Ответ неполный")
    request.refresh_from_db()
    assert request.status == S.CLOSED


def test_sla_scan_reminds_once_and_alerts_once(operator, authority, specialist, applicant_user):
    request = make_request(
        applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator
    )
    with time_machine.travel(msk(2021, 2, 19, 10, 0), tick=False):
        services.request_escalate(request=request, by=operator, authority=authority)
    escalation = Escalation.objects.get(request=request)
    # Thu 25.02: due Fri 26.02 is within one working day.
    first = sla_scan(now=msk(2021, 2, 25, 10, 0))
    again = sla_scan(now=msk(2021, 2, 25, 10, 5))
    assert first.reminded == [escalation.pk] and first.alerted == []
    assert again.reminded == [] and again.alerted == []
    # Sat 20.02: the due Friday is still more than a working day away.
    assert sla_scan(now=msk(2021, 2, 20, 10, 0)).reminded == []
    overdue = sla_scan(now=msk(2021, 2, 27, 0, 0, 1))
    assert overdue.alerted == [escalation.pk]
    assert sla_scan(now=msk(2021, 2, 28, 0, 0)).alerted == []
    escalation.refresh_from_db()
    assert escalation.reminder_sent_at == msk(2021, 2, 25, 10, 0)
    assert escalation.overdue_alerted_at == msk(2021, 2, 27, 0, 0, 1)


def test_paused_escalation_is_not_overdue(operator, authority, applicant_user):
    request = make_request(
        applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator
    )
    with time_machine.travel(msk(2021, 2, 19, 10, 0), tick=False):
        services.request_escalate(request=request, by=operator, authority=authority)
        services.request_ask_clarification(request=request, by=operator, question="Адрес?")
    assert sla_scan(now=msk(2021, 3, 10, 10, 0)).alerted == []


def test_answered_escalation_keeps_due_and_answer_moments(
    operator, authority, specialist, applicant_user
):
    request = make_request(
        applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator
    )
    with time_machine.travel(msk(2021, 2, 19, 10, 0), tick=False):
        services.request_escalate(request=request, by=operator, authority=authority)
    with time_machine.travel(msk(2021, 3, 1, 10, 0), tick=False):
        services.request_authority_answer(request=request, by=specialist, text="Ответ")
    escalation = Escalation.objects.get(request=request)
    assert escalation.answered_at == msk(2021, 3, 1, 10, 0)
    assert escalation.is_overdue is True
