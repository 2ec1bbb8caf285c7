"""What every app calls to tell people something: a letter or a text message, once each.

Every letter the product sends goes through ``letter_send``: rendered in Russian and English from
``templates/<template>_subject.txt`` and ``<template>.txt``, logged under the key of its occurrence
(a second call with the same key sends nothing) and delivered by a job after the caller's
transaction commits, retried while the server is down. ``sms_send`` does the same for a phone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from stroydesk.channels.outbound import send_email
from stroydesk.notifications.models import SmsMessage
from stroydesk.notifications.rendering import render_bilingual
from stroydesk.notifications.sms import SmsNotSent, get_backend

SMS_MAX_ATTEMPTS = 8


def site_link(name: str, *args: Any, query: str = "") -> str:
    """An absolute link to a page of the site for a letter (``SITE_URL`` + the page's path)."""
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        path = "/"
    return settings.SITE_URL.rstrip("/") + path + (f"?{query}" if query else "")


def letter_send(
    *,
    key: str,
    to: Iterable[str],
    template: str,
    context: dict[str, Any],
    event: str = "",
    request_id: int | None = None,
    thread: bool = False,
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> bool:
    """Render and queue one letter to ``to``, once per ``key`` (the occurrence it is about, e.g.
    ``"booking-confirmed:<booking id>"``). ``request_id`` ties it to a request of the contact
    center; ``thread`` answers the applicant's own e-mails on that request. ``attachments`` are
    (file name, content, MIME type). True when a letter was queued now or before."""
    recipients = [address for address in to if address]
    if not recipients:
        return False
    subject, body = render_bilingual(template, context)
    outgoing = send_email(
        key=key,
        to=recipients,
        subject=subject,
        body=body,
        request=request_id,
        event=event or key.split(":", 1)[0],
        thread=thread,
        attachments=attachments,
    )
    return outgoing is not None


def sms_send(*, key: str, phone: str, text: str, event: str = "") -> SmsMessage | None:
    """Log a text message under ``key`` and send it by a job after the transaction commits;
    with a key used already, nothing more is sent. None when there is no phone."""
    if not phone:
        return None
    with transaction.atomic():
        message, created = SmsMessage.objects.get_or_create(
            key=key[:200],
            defaults={"phone": phone, "text": text, "event": (event or key.split(":", 1)[0])[:40]},
        )
        if created:
            message_id = message.pk
            transaction.on_commit(lambda: _enqueue_sms(message_id))
    return message


def _enqueue_sms(message_id: int) -> None:
    from stroydesk.notifications import tasks  # tasks import this module: the job's entry point

    tasks.deliver_sms(message_id)


def sms_deliver(*, message_id: int) -> int | None:
    """Send one logged text message if still pending; seconds to wait when the gateway could not
    take it now, None when there is nothing more to do."""
    claimed = SmsMessage.objects.filter(pk=message_id, status=SmsMessage.Status.PENDING).update(
        status=SmsMessage.Status.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    message = SmsMessage.objects.get(pk=message_id)
    try:
        provider_id = get_backend().send(phone=message.phone, text=message.text)
    except SmsNotSent as exc:
        failed = message.attempts >= SMS_MAX_ATTEMPTS
        SmsMessage.objects.filter(pk=message_id).update(
            status=SmsMessage.Status.FAILED if failed else SmsMessage.Status.PENDING,
            last_error=str(exc)[:2000],
        )
        return None if failed else min(30 * 2 ** (message.attempts - 1), 3600)
    SmsMessage.objects.filter(pk=message_id).update(
        status=SmsMessage.Status.SENT, sent_at=timezone.now(), provider_id=provider_id[:100]
    )
    return None
