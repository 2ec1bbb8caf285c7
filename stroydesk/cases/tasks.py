"""Background jobs of requests: notifications after transitions and the periodic SLA scan.

Every e-mail is claimed in the ``Notification`` log before it is sent, under a unique key of
(event, request, occurrence, recipient): a retried or duplicated job finds the claim and sends
nothing. The letter is handed to ``channels.outbound.send_email``, which logs it and sends it
in the background, retrying with backoff while the SMTP server is down. Letters are rendered
from ``templates/emails/`` in Russian and then in English, as we do not know the reader's
language.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from stroydesk.cases.models import Answer, Escalation, History, Notification, Request
from stroydesk.cases.sla import sla_scan
from stroydesk.channels.outbound import send_email

log = logging.getLogger(__name__)

# Event → the history actions whose latest row is the occurrence the letter is about.
EVENT_ACTIONS = {
    "registered": ("register",),
    "answered": ("answer",),
    "clarification_needed": ("ask_clarification",),
    "escalated": ("escalate", "reassign"),
    "authority_query": ("authority_query",),
    "authority_query_replied": ("authority_query_reply",),
    "assigned": ("assign",),
    "information_added": ("message",),
}
# Letters to staff: not threaded into the applicant's conversation about the request.
STAFF_EVENTS = (
    "escalated",
    "due_soon",
    "authority_query",
    "authority_query_replied",
    "assigned",
    "information_added",
)
LANGUAGES = ("ru", "en")


@db_task(retries=5, retry_delay=30)
def notify_request_event(event: str, request_id: int) -> None:
    """Tell the applicant what happened, or the staff concerned: the authority's specialists of
    an escalation and of the center's reply to their question, the request's operator of the
    authority's question and of the request assigned to them, both of the applicant's added
    information. Once per occurrence."""
    request = Request.objects.select_related("applicant", "authority", "operator").get(
        pk=request_id
    )
    occurrence = (
        History.objects.filter(request=request, action__in=EVENT_ACTIONS[event])
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    key = f"h{occurrence}" if occurrence else "h0"
    if event == "information_added":
        if occurrence:
            _notify_information_added(request, History.objects.get(pk=occurrence), key)
        return
    if event in ("escalated", "authority_query_replied"):
        recipients = _specialist_emails(request.authority_id)
        link = _url("portal:authority_card", request.pk)
    elif event in ("authority_query", "assigned"):
        recipients = _operator_emails(request)
        link = _url("portal:desk_card", request.pk)
    else:
        recipients = [request.applicant.email] if request.applicant.email else []
        link = (
            _url("portal:my_request", request.pk)
            if request.applicant.user_id
            else _url("portal:track")
        )
    context = {
        "request": request,
        "link": link,
        "question": _latest_comment(request, "ask_clarification"),
        "escalation": Escalation.objects.filter(request=request, status="open").first(),
        "answer": Answer.objects.filter(request=request, kind=Answer.Kind.FINAL)
        .order_by("-id")
        .first(),
    }
    exchange = None
    if event in ("authority_query", "authority_query_replied", "assigned") and occurrence:
        exchange = History.objects.select_related("actor").get(pk=occurrence)
        context["exchange"] = exchange
    if event == "assigned" and (exchange is None or exchange.actor_id == request.operator_id):
        recipients = []  # who took the request over themselves needs no letter about it
    subject, body = _render(f"emails/request_{event}", context)
    _send_once(event, request.pk, key, recipients, subject, body)


@db_task(retries=5, retry_delay=30)
def notify_sla(reminded: list[int], alerted: list[int]) -> None:
    """Due-soon reminders to the authority's specialists, overdue alerts to supervisors."""
    from stroydesk.accounts.models import User

    for escalation in Escalation.objects.filter(pk__in=reminded).select_related("request"):
        context = {
            "request": escalation.request,
            "escalation": escalation,
            "link": _url("portal:authority_card", escalation.request_id),
        }
        subject, body = _render("emails/due_soon", context)
        _send_once(
            "due_soon",
            escalation.request_id,
            f"e{escalation.pk}",
            _specialist_emails(escalation.authority_id),
            subject,
            body,
        )
    supervisors = list(
        User.objects.filter(role=User.Role.SUPERVISOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    overdue = list(Escalation.objects.filter(pk__in=alerted).select_related("request", "authority"))
    for email in supervisors:
        _send_digest_once(email, overdue)


@db_periodic_task(crontab(minute="*/5"))
def sla_scan_periodic() -> None:
    result = sla_scan()
    if result.reminded or result.alerted:
        log.info("SLA scan: %d reminded, %d overdue", len(result.reminded), len(result.alerted))


# --- Internals ------------------------------------------------------------------------------


def _notify_information_added(request: Request, message: History, key: str) -> None:
    """Tell the request's operator of the applicant's message and, when it came while an
    authority had the request and that authority still has it, the authority's specialists.

    Neither letter quotes the message: an e-mail reply brings the applicant's signature with
    their phone and address, which the authority must not get, and the operator reads it on the
    card, where reading the applicant's data is recorded.
    """
    event = "information_added"
    context: dict[str, Any] = {"request": request, "message": message}
    operator_emails = _operator_emails(request)
    if operator_emails:
        context["link"] = _url("portal:desk_card", request.pk)
        subject, body = _render(f"emails/request_{event}", context)
        _send_once(event, request.pk, key, operator_emails, subject, body)
    escalation = Escalation.objects.filter(request=request, status=Escalation.Status.OPEN).first()
    # The message names the escalation open when it came (only an escalated request has one);
    # if that one has ended by now (answered, reassigned, returned), nobody there is told.
    if escalation is not None and message.data.get("escalation") == escalation.pk:
        context["link"] = _url("portal:authority_card", request.pk)
        subject, body = _render(f"emails/request_{event}", context)
        _send_once(
            event, request.pk, key, _specialist_emails(escalation.authority_id), subject, body
        )


def _operator_emails(request: Request) -> list[str]:
    """The address of the operator in charge, if they are still active and have one."""
    operator = request.operator
    return [operator.email] if operator and operator.is_active and operator.email else []


def _specialist_emails(authority_id: int | None) -> list[str]:
    if authority_id is None:
        return []
    from stroydesk.directory.models import Specialist

    return list(
        Specialist.objects.filter(authority_id=authority_id, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _latest_comment(request: Request, action: str) -> str:
    row = History.objects.filter(request=request, action=action).order_by("-id").first()
    return row.comment if row else ""


def _url(name: str, *args: Any) -> str:
    try:
        return settings.SITE_URL.rstrip("/") + reverse(name, args=args)
    except NoReverseMatch:
        return settings.SITE_URL


def _render(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject and body in Russian, then in English."""
    subjects, bodies = [], []
    for language in LANGUAGES:
        with translation.override(language):
            subjects.append(render_to_string(f"{template}_subject.txt", context).strip())
            bodies.append(render_to_string(f"{template}.txt", context).strip())
    subject = " / ".join(dict.fromkeys(subjects))
    return subject, "\n\n— — —\n\n".join(bodies) + "\n"


def _claim(event: str, request_id: int, key: str, recipient: str) -> Notification | None:
    """The notice row, if this call is the one to send it; None when it is sent already."""
    try:
        note, _ = Notification.objects.get_or_create(
            event=event, request_id=request_id, key=key, recipient=recipient
        )
    except IntegrityError:
        note = Notification.objects.get(
            event=event, request_id=request_id, key=key, recipient=recipient
        )
    won = Notification.objects.filter(pk=note.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    return note if won == 1 else None


def _release(notes: Iterable[Notification]) -> None:
    Notification.objects.filter(pk__in=[n.pk for n in notes]).update(sent_at=None)


def _send_once(
    event: str, request_id: int, key: str, recipients: list[str], subject: str, body: str
) -> int:
    sent = 0
    for recipient in dict.fromkeys(recipients):
        note = _claim(event, request_id, key, recipient)
        if note is None:
            continue
        try:
            # Logged and sent by channels.outbound: retried with backoff, never twice per key.
            send_email(
                key=f"{event}:{request_id}:{key}:{recipient}",
                to=[recipient],
                subject=subject,
                body=body,
                request=request_id,
                event=event,
                thread=event not in STAFF_EVENTS,
            )
        except Exception:
            _release([note])
            raise
        sent += 1
    return sent


def _send_digest_once(email: str, overdue: list[Escalation]) -> None:
    """One letter to a supervisor listing the overdue escalations not yet reported to them."""
    claimed = []
    for escalation in overdue:
        note = _claim("overdue", escalation.request_id, f"e{escalation.pk}", email)
        if note is not None:
            claimed.append((escalation, note))
    if not claimed:
        return
    context = {
        "escalations": [e for e, _ in claimed],
        "count": len(claimed),
        "link": _url("portal:board"),
    }
    subject, body = _render("emails/overdue", context)
    ids = ",".join(str(e.pk) for e, _ in claimed)
    occurrence = hashlib.sha256(ids.encode()).hexdigest()[:32]
    try:
        send_email(key=f"overdue:{email}:{occurrence}", to=[email], subject=subject, body=body)
    except Exception:
        _release([n for _, n in claimed])
        raise
