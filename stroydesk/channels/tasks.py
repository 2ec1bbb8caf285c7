"""Background jobs of the channels: reading the mailboxes, and sending e-mail with retries."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task
from huey.exceptions import RetryTask

from stroydesk.channels import mailintake, outbound

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@lock_task("channels-fetch-mail")
def fetch_mail_periodic() -> None:
    """Every minute: read all active mailboxes (one run at a time)."""
    for report in mailintake.mail_fetch_all():
        if report.total or report.error:
            log.info("mailbox %s: %s %s", report.mailbox, dict(report.outcomes), report.error)


@db_task()
def deliver_email(outgoing_id: int) -> None:
    """Send one logged e-mail; while the server is down, try again later with growing pauses."""
    delay = outbound.outgoing_deliver(outgoing_id=outgoing_id)
    if delay is not None:
        raise RetryTask(f"SMTP not available, retry in {delay} s", delay=delay)
