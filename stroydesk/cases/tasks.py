"""Background jobs of requests: notifications after transitions and the periodic SLA scan."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from stroydesk.cases.models import Escalation, Request
from stroydesk.cases.sla import sla_scan

log = logging.getLogger(__name__)

SUBJECTS = {
    "registered": "Обращение {number} зарегистрировано",
    "answered": "Ответ на обращение {number}",
    "clarification_needed": "Требуется уточнение по обращению {number}",
    "escalated": "Обращение {number} передано в {authority}",
}


@db_task(retries=5, retry_delay=30)
def notify_request_event(event: str, request_id: int) -> None:
    """Tell the applicant (or the authority) what happened; skipped where there is no address."""
    request = Request.objects.select_related("applicant", "authority").get(pk=request_id)
    if event == "escalated":
        recipients = (
            list(
                request.authority.specialists.exclude(user__email="").values_list(
                    "user__email", flat=True
                )
            )
            if request.authority
            else []
        )
    else:
        recipients = [request.applicant.email] if request.applicant.email else []
    if not recipients:
        return
    subject = SUBJECTS[event].format(number=request.number, authority=request.authority or "")
    body = f"{subject}.\n\n{settings.SITE_URL}/api/v1/requests/{request.pk}/\n"
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


@db_task(retries=5, retry_delay=30)
def notify_sla(reminded: list[int], alerted: list[int]) -> None:
    """Due-soon reminders to the authority's specialists, overdue alerts to supervisors."""
    from stroydesk.accounts.models import User

    for escalation in Escalation.objects.filter(pk__in=reminded).select_related("request"):
        emails = list(
            escalation.authority.specialists.exclude(user__email="").values_list(
                "user__email", flat=True
            )
        )
        if emails:
            send_mail(
                f"Срок ответа по обращению {escalation.request.number} истекает",
                f"Ответ нужен до {escalation.due_at:%d.%m.%Y %H:%M} (МСК).",
                settings.DEFAULT_FROM_EMAIL,
                emails,
            )
    supervisors = list(
        User.objects.filter(role=User.Role.SUPERVISOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if alerted and supervisors:
        numbers = Escalation.objects.filter(pk__in=alerted).values_list(
            "request__number", flat=True
        )
        send_mail(
            f"Просрочено обращений: {len(alerted)}",
            "\n".join(numbers),
            settings.DEFAULT_FROM_EMAIL,
            supervisors,
        )


@db_periodic_task(crontab(minute="*/5"))
def sla_scan_periodic() -> None:
    result = sla_scan()
    if result.reminded or result.alerted:
        log.info("SLA scan: %d reminded, %d overdue", len(result.reminded), len(result.alerted))
