"""Pluggable SMS gateways: ``SMS_BACKEND`` names the class; the default only logs the text.

A real gateway (an operator's HTTP API) is one class with ``send()``; raising ``SmsNotSent``
makes the job try again later, any other answer is final.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


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
