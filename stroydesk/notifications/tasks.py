"""Background jobs of notifications: delivering text messages with retries."""

from __future__ import annotations

from huey.contrib.djhuey import db_task
from huey.exceptions import RetryTask

from stroydesk.notifications import services


@db_task()
def deliver_sms(message_id: int) -> None:
    """Send one logged text message; while the gateway is down, try again with growing pauses."""
    delay = services.sms_deliver(message_id=message_id)
    if delay is not None:
        raise RetryTask(f"SMS gateway not available, retry in {delay} s", delay=delay)
