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
from django.urls import NoReverseMatch, reverse

from stroydesk.notifications import sms
from stroydesk.notifications.models import MailThread, OutgoingMessage, SmsMessage
from stroydesk.notifications.outbound import send_email
from stroydesk.notifications.rendering import render_bilingual


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
    withhold_body: bool = False,
) -> bool:
    """Render and queue one letter to ``to``, once per ``key`` (the occurrence it is about, e.g.
    ``"booking-confirmed:<booking id>"``). ``request_id`` ties it to a request of the contact
    center; ``thread`` answers the applicant's own e-mails on that request. ``attachments`` are
    (file name, content, MIME type); ``withhold_body`` blanks a text that carries a secret in the
    log once it is sent. True when a letter was queued now or before."""
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
        withhold_body=withhold_body,
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
            transaction.on_commit(lambda: sms.deliver_sms(message_id))
    return message


def mail_thread_record(*, request_id: int, message_id: str) -> None:
    """Remember an e-mail the applicant sent on a request (the mail intake calls this), so that
    our next letters to them answer it in the same conversation. Twice is once."""
    if not message_id:
        return
    MailThread.objects.get_or_create(request_id=request_id, message_id=message_id[:998])


def outgoing_mark_bounced(*, message_ids: Iterable[str], reason: str) -> int:
    """Our letters that came back undelivered (the intake found a bounce naming them)."""
    return OutgoingMessage.objects.filter(message_id__in=list(message_ids)).update(
        status=OutgoingMessage.Status.BOUNCED, last_error=reason[:2000]
    )
