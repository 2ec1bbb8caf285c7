"""Letters about requests, carried out from the table in ``rules.py``: for one history row (a
``RequestEvent`` of cases), and for the SLA watch's marks.

Each letter goes through the one outbound path (``outbound.send_email``), logged under a key of
its occurrence and recipient — ``<event>:<request>:h<history row>:<address>`` — so a retried or
repeated job finds the row and sends nothing. Letters are rendered in Russian and then English.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from stroydesk.accounts.models import User
from stroydesk.accounts.selectors import user_list_active
from stroydesk.cases import selectors as cases
from stroydesk.cases.models import History, Request
from stroydesk.directory.selectors import specialist_emails
from stroydesk.notifications.models import DispatchedEvent
from stroydesk.notifications.outbound import send_email
from stroydesk.notifications.rendering import render_bilingual
from stroydesk.notifications.rules import DUE_SOON, LINKS, OVERDUE, REQUEST_RULES, Rule, To
from stroydesk.notifications.services import site_link

log = logging.getLogger(__name__)


def request_letters_send(*, history_id: int) -> int:
    """Send the letters the table names for one history row; the number of letters queued now."""
    row = cases.history_row_get(pk=history_id)
    if row is None:
        return 0
    rules = REQUEST_RULES.get(row.action, ())
    if not rules:
        return 0
    request = cases.request_for_notice(pk=row.request_id)
    sent = 0
    for rule in rules:
        recipients = recipients_of(rule, request=request, row=row)
        if not recipients:
            continue
        context = _context(rule, request=request, row=row)
        subject, body = render_bilingual(rule.template, context)
        for address in recipients:
            outgoing = send_email(
                key=f"{rule.event}:{request.pk}:h{row.pk}:{address}",
                to=[address],
                subject=subject,
                body=body,
                request=request.pk,
                event=rule.event,
                thread=rule.thread,
            )
            sent += outgoing is not None
    # Handled: the sweep of unsent events passes this row by from now on.
    DispatchedEvent.objects.get_or_create(history_id=row.pk)
    return sent


def recipients_of(rule: Rule, *, request: Request, row: History | None = None) -> list[str]:
    """The addresses of the rule's audience for this request (each once, active users only)."""
    actor_id = row.actor_id if row is not None else None
    if rule.to == To.APPLICANT:
        return [request.applicant.email] if request.applicant.email else []
    if rule.to in (To.OPERATOR, To.REVIEWER):
        operator = request.operator
        if operator is not None and operator.is_active and operator.pk != actor_id:
            return [operator.email] if operator.email else []
        if rule.to == To.REVIEWER and (operator is None or not operator.is_active):
            return _supervisor_emails()
        return []
    if rule.to == To.AUTHORITY:
        return _specialist_emails(request.authority_id)
    if rule.to == To.AUTHORITY_OF_ROW:
        # A message names the escalation open when it came (only an escalated request has
        # one); if that one has ended by now (answered, reassigned, returned), nobody is told.
        escalation = cases.request_open_escalation(request=request)
        if escalation is None or row is None or row.escalation_id != escalation.pk:
            return []
        return _specialist_emails(escalation.authority_id)
    if rule.to == To.SUPERVISORS:
        return _supervisor_emails()
    raise ValueError(rule.to)


def sla_letters_send(*, reminded: list[int], alerted: list[int]) -> int:
    """Due-soon reminders to the authority's specialists; one digest of the newly overdue
    escalations to each supervisor. ``cases.sla`` marks each escalation once per kind, and the
    keys name the escalations, so a retry sends nothing twice."""
    sent = 0
    for escalation in cases.escalations_by_ids(ids=reminded):
        context = {
            "request": escalation.request,
            "escalation": escalation,
            "link": site_link("portal:authority_card", escalation.request_id),
        }
        subject, body = render_bilingual(f"emails/{DUE_SOON.event}", context)
        for address in _specialist_emails(escalation.authority_id):
            sent += (
                send_email(
                    key=f"{DUE_SOON.event}:{escalation.request_id}:e{escalation.pk}:{address}",
                    to=[address],
                    subject=subject,
                    body=body,
                    request=escalation.request_id,
                    event=DUE_SOON.event,
                    thread=False,
                )
                is not None
            )
    overdue = list(cases.escalations_by_ids(ids=alerted))
    if not overdue:
        return sent
    context = {"escalations": overdue, "count": len(overdue), "link": site_link("portal:board")}
    subject, body = render_bilingual(f"emails/{OVERDUE.event}", context)
    ids = ",".join(str(e.pk) for e in overdue)
    occurrence = hashlib.sha256(ids.encode()).hexdigest()[:32]
    for address in _supervisor_emails():
        sent += (
            send_email(
                key=f"{OVERDUE.event}:{occurrence}:{address}",
                to=[address],
                subject=subject,
                body=body,
                event=OVERDUE.event,
                thread=False,
            )
            is not None
        )
    return sent


# --- Internals ------------------------------------------------------------------------------


def _context(rule: Rule, *, request: Request, row: History) -> dict[str, Any]:
    if rule.to == To.APPLICANT:
        link = (
            site_link("portal:my_request", request.pk)
            if request.applicant.user_id
            else site_link("portal:track")
        )
    else:
        link = site_link(LINKS[rule.to], request.pk)
    context: dict[str, Any] = {
        "request": request,
        "row": row,
        "exchange": row,
        "message": row,
        "question": row.comment,
        "link": link,
    }
    if rule.event == "escalated":
        context["escalation"] = cases.request_open_escalation(request=request)
    if rule.event == "answered":
        context["answer"] = cases.request_final_answer(request=request)
    return context


def _specialist_emails(authority_id: int | None) -> list[str]:
    return specialist_emails(authority_id=authority_id)


def _supervisor_emails() -> list[str]:
    supervisors = user_list_active(roles=[User.Role.SUPERVISOR]).exclude(email="")
    return list(dict.fromkeys(supervisors.order_by("email").values_list("email", flat=True)))
