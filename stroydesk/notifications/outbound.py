"""Outgoing e-mail, the one path every letter of the product takes: each is logged under a key
before it is sent, and sent by a background job that retries with backoff while the SMTP server
is down.

Never twice: ``send_email`` with a key that was used already returns the logged message and
queues nothing; the job claims a message by a compare-and-set from *pending* to *sending*, so
two workers cannot both send it. The price is the usual one: if a worker dies between the SMTP
server's acceptance and the *sent* mark, the message stays *sending* (shown in the admin) rather
than being sent again.
"""

from __future__ import annotations

import base64
import logging
import re
import smtplib
import time
import uuid
from collections.abc import Iterable

from django import db
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from huey.contrib.djhuey import db_task
from huey.exceptions import RetryTask

from stroydesk.notifications.models import MailThread, OutgoingMessage

log = logging.getLogger(__name__)

Status = OutgoingMessage.Status
MAX_ATTEMPTS = 8
_EVENT_SAFE = re.compile(r"[^a-z0-9_]+")


def message_id_domain() -> str:
    return getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "stroydesk")


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt: 30 s, 1 min, 2 min, … up to an hour."""
    base = getattr(settings, "EMAIL_RETRY_BASE_SECONDS", 30)
    return int(min(base * 2 ** max(attempts - 1, 0), 3600))


def make_message_id(*, request_id: int | None, event: str) -> str:
    """Our Message-ID (without angle brackets): it names the request, so a reply threads back."""
    safe_event = _EVENT_SAFE.sub("-", event.lower()).strip("-") or "mail"
    owner = f"request-{request_id}" if request_id is not None else "mail"
    return f"{owner}-{safe_event}-{uuid.uuid4().hex}@{message_id_domain()}"


def _thread_headers(request_id: int) -> tuple[str, str]:
    """In-Reply-To: the applicant's latest e-mail on the request; References: their first e-mail
    and our recent messages, so that mail programs show one conversation."""
    theirs = list(
        MailThread.objects.filter(request_id=request_id)
        .order_by("received_at", "id")
        .values_list("message_id", flat=True)
    )
    ours = list(
        OutgoingMessage.objects.filter(request_id=request_id)
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)[:8]
    )
    references: list[str] = []
    for mid in [*theirs[:1], *reversed(ours), *theirs[-1:]]:
        if mid not in references:
            references.append(mid)
    return (theirs[-1] if theirs else ""), " ".join(f"<{m}>" for m in references)


def send_email(
    *,
    key: str,
    to: Iterable[str],
    subject: str,
    body: str,
    request: int | None = None,
    event: str = "",
    thread: bool = True,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    withhold_body: bool = False,
) -> OutgoingMessage | None:
    """Log an e-mail under ``key`` and queue it for sending after the transaction commits.

    ``request`` is the id of the request the mail is about. The key names the occurrence,
    e.g. ``"answered:<request id>:<history id>:<recipient>"``: calling again
    with the same key sends nothing and returns the first message. With ``thread`` (mail to
    the applicant) it answers the applicant's own e-mails on the request, so that their mail
    program shows one conversation. ``attachments`` are (file name, content, MIME type) triples,
    kept with the letter until it is sent. ``withhold_body``: the text carries a secret (a
    confirmation link, a code), blanked in the log once sent. None when there is no recipient.
    """
    recipients = sorted({address.strip() for address in to if address and address.strip()})
    if not recipients:
        return None
    request_id = request
    in_reply_to, references = (
        _thread_headers(request_id) if request_id is not None and thread else ("", "")
    )
    with transaction.atomic():
        outgoing, created = OutgoingMessage.objects.get_or_create(
            key=key[:200],
            defaults={
                "event": event[:40],
                "request_id": request_id,
                "to": recipients,
                "subject": " ".join(subject.split())[:300],
                "body": body,
                "attachments": [
                    {"name": name, "mimetype": mimetype, "content": base64.b64encode(data).decode()}
                    for name, data, mimetype in attachments
                ],
                "message_id": make_message_id(request_id=request_id, event=event),
                "in_reply_to": in_reply_to,
                "references": references,
                "withhold_body": withhold_body,
            },
        )
        if created:
            outgoing_id = outgoing.pk
            transaction.on_commit(lambda: _enqueue(outgoing_id))
    return outgoing


def _enqueue(outgoing_id: int) -> None:
    # Runs after the caller's commit: a queue outage must not turn a done step into an error.
    # The letter stays pending in the log and the sweep (``sweeps``) queues it again.
    try:
        deliver_email(outgoing_id)
    except Exception:
        log.exception("e-mail %s logged but not queued; the sweep will queue it", outgoing_id)


def outgoing_deliver(*, outgoing_id: int) -> int | None:
    """Send one logged e-mail through SMTP if it is still pending.

    Returns the seconds to wait before the next attempt when the server could not take it now,
    None when there is nothing more to do (sent, given up, or handled by someone else).
    """
    claimed = OutgoingMessage.objects.filter(pk=outgoing_id, status=Status.PENDING).update(
        status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return None
    outgoing = OutgoingMessage.objects.get(pk=outgoing_id)
    headers = {"Message-ID": f"<{outgoing.message_id}>"}
    if outgoing.in_reply_to:
        headers["In-Reply-To"] = f"<{outgoing.in_reply_to}>"
    if outgoing.references:
        headers["References"] = outgoing.references
    message = EmailMessage(
        subject=outgoing.subject,
        body=outgoing.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(outgoing.to),
        headers=headers,
        connection=get_connection(fail_silently=False),
    )
    for attached in outgoing.attachments:
        message.attach(
            attached["name"], base64.b64decode(attached["content"]), attached["mimetype"]
        )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        permanent = isinstance(exc, smtplib.SMTPRecipientsRefused) or (
            isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500
        )
        if permanent or outgoing.attempts >= MAX_ATTEMPTS:
            OutgoingMessage.objects.filter(pk=outgoing_id).update(
                status=Status.FAILED, last_error=error[:2000]
            )
            log.error("e-mail %s not sent, giving up: %s", outgoing.key, error)
            return None
        OutgoingMessage.objects.filter(pk=outgoing_id).update(
            status=Status.PENDING, last_error=error[:2000]
        )
        delay = retry_delay(outgoing.attempts)
        log.warning("e-mail %s not sent (%s); next try in %d s", outgoing.key, error, delay)
        return delay
    sent: dict[str, object] = {"status": Status.SENT, "sent_at": timezone.now(), "last_error": ""}
    if outgoing.withhold_body:
        sent["body"] = ""
        sent["attachments"] = []
    _mark_sent(outgoing_id, sent)
    return None


def _mark_sent(outgoing_id: int, sent: dict[str, object]) -> None:
    """Record that the SMTP server took the letter. The database may be away at this moment (a
    restart, a fail-over): the mark is tried again for half the sending lease, since a letter
    left *sending* past the lease is sent once more by the sweep — a second copy in the
    applicant's mailbox."""
    deadline = time.monotonic() + settings.EMAIL_SENDING_LEASE_SECONDS / 2
    pause = 0.2
    while True:
        try:
            OutgoingMessage.objects.filter(pk=outgoing_id).update(**sent)
            return
        except (OperationalError, InterfaceError):
            if time.monotonic() + pause > deadline:
                raise
            log.warning("e-mail %s sent, its mark waits for the database", outgoing_id)
            if not db.connection.in_atomic_block:  # a broken connection is not used again
                db.connection.close_if_unusable_or_obsolete()
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def outgoing_resend(*, outgoing: OutgoingMessage) -> None:
    """An administrator decides that a failed or stuck message should be tried again."""
    changed = OutgoingMessage.objects.filter(
        pk=outgoing.pk, status__in=[Status.FAILED, Status.SENDING, Status.BOUNCED]
    ).update(status=Status.PENDING, attempts=0)
    if changed:
        outgoing_id = outgoing.pk
        transaction.on_commit(lambda: _enqueue(outgoing_id))


@db_task()
def deliver_email(outgoing_id: int) -> None:
    """Send one logged e-mail; while the server is down, try again later with growing pauses."""
    delay = outgoing_deliver(outgoing_id=outgoing_id)
    if delay is not None:
        raise RetryTask(f"SMTP not available, retry in {delay} s", delay=delay)
