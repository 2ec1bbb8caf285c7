"""Every letter the product sends goes through the one outbound path and is in the one log,
once: walked through a day of the product (sign-up, password reset, tracking code, a request's
whole life with an authority, the SLA watch), and checked in the code (nothing else sends mail).
"""

from __future__ import annotations

import ast
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from stroydesk.cases import services
from stroydesk.cases.tests.factories import make_request
from stroydesk.notifications import tasks
from stroydesk.notifications.models import OutgoingMessage

MSK = ZoneInfo("Europe/Moscow")
PACKAGE = Path(__file__).resolve().parents[2]
# What sends mail in Django; only the outbound path may use it.
SENDERS = {"send_mail", "send_mass_mail", "mail_admins", "mail_managers", "EmailMessage"}
SENDERS |= {"EmailMultiAlternatives"}
OUTBOUND = PACKAGE / "notifications" / "outbound.py"


def test_nothing_but_the_outbound_path_sends_mail():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts or path == OUTBOUND:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "django.core.mail"
            ):
                names = {alias.name for alias in node.names} & SENDERS
                found += [f"{path.relative_to(PACKAGE)}:{node.lineno} {name}" for name in names]
            if isinstance(node, ast.Attribute) and node.attr in SENDERS:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert found == []


@pytest.mark.django_db
def test_every_letter_of_a_day_is_in_the_one_log_once(
    client,
    applicant_user,
    operator,
    supervisor,
    specialist,
    other_specialist,
    authority,
    other_authority,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        # Accounts: a sign-up's confirmation, a resend, a password reset.
        client.post(
            reverse("portal:signup"),
            {
                "kind": "resident",
                "last_name": "Сидоров",
                "first_name": "Пётр",
                "email": "sidorov@example.ru",
                "password1": "Dlinnyi-parol-2026",
                "password2": "Dlinnyi-parol-2026",
                "consent": "on",
            },
        )
        client.post(reverse("portal:password_reset"), {"email": applicant_user.email})
        # A request's life: registered, escalated, the authority's question and the reply,
        # information added, answered by the authority, sent back, declined, escalated again,
        # answered to the applicant.
        case = make_request(
            applicant=applicant_user.applicant,
            status="escalated",
            operator=operator,
            authority=authority,
        )
        services.request_authority_query(request=case, by=specialist, question="Адрес?")
        services.request_authority_query_reply(request=case, by=operator, text="Тверская, 1")
        services.request_add_message(request=case, by=applicant_user, text="Дополнение")
        services.request_authority_answer(request=case, by=specialist, text="Ответ органа.")
        services.request_send_back(request=case, by=operator, comment="Неполно")
        services.request_decline(request=case, by=specialist, reason="Не наша компетенция")
        services.request_escalate(
            request=case,
            by=operator,
            authority=other_authority,
            question="?",
            at=datetime(2021, 2, 19, 10, tzinfo=MSK),
        )
        # The SLA watch: the second escalation is long overdue.
        tasks.sla_scan_periodic.call_local()
        # Tracking without an account.
        client.post(reverse("portal:track"), {"number": case.number, "email": applicant_user.email})
    # Jobs run again (a retry, a second worker): nothing more goes out.
    sent = len(mail.outbox)
    with capture(execute=True):
        for row in case.history.values_list("pk", flat=True):
            tasks.request_letters.call_local(row)
    assert len(mail.outbox) == sent

    events = set(OutgoingMessage.objects.values_list("event", flat=True))
    assert events >= {
        "confirmation_requested",
        "password_reset_requested",
        "registered",
        "escalated",
        "authority_query",
        "authority_query_replied",
        "information_added",
        "authority_answered",
        "sent_back",
        "declined",
        "overdue",
        "track_code",
    }
    ids = Counter(m.extra_headers.get("Message-ID", "") for m in mail.outbox)
    logged = {f"<{mid}>" for mid in OutgoingMessage.objects.values_list("message_id", flat=True)}
    assert "" not in ids  # every letter has our Message-ID: it came from the log
    assert max(ids.values()) == 1  # none sent twice
    assert set(ids) == logged  # every logged letter sent, every sent letter logged
    assert OutgoingMessage.objects.exclude(status=OutgoingMessage.Status.SENT).count() == 0
