"""Pluggable SMS gateways: ``SMS_BACKEND`` names the class; the default only logs the text.

A real gateway (an operator's HTTP API) is one class with ``send()``; raising ``SmsNotSent``
makes the job try again later, any other answer is final.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from huey.contrib.djhuey import db_task
from huey.exceptions import RetryTask

from stroydesk.notifications.models import SmsMessage

log = logging.getLogger(__name__)

SMS_MAX_ATTEMPTS = 8


class SmsNotSent(Exception):
    """The gateway could not take the message now; try again later."""


class LoggingSmsBackend:
    """Writes each message to the log instead of sending it (demo, development, tests)."""

    def send(self, *, phone: str, text: str) -> str:
        provider_id = uuid.uuid4().hex
        log.info("SMS to %s [%s]: %s", phone, provider_id, text)
        return provider_id


def get_backend() -> LoggingSmsBackend:
    path = getattr(settings, "SMS_BACKEND", "stroydesk.notifications.sms.LoggingSmsBackend")
    return import_string(path)()


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


@db_task()
def deliver_sms(message_id: int) -> None:
    """Send one logged text message; while the gateway is down, try again with growing pauses."""
    delay = sms_deliver(message_id=message_id)
    if delay is not None:
        raise RetryTask(f"SMS gateway not available, retry in {delay} s", delay=delay)
