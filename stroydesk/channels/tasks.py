"""Background jobs of the channels: reading the mailboxes. (Sending is notifications' job.)"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from stroydesk.channels import mailintake

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
@lock_task("channels-fetch-mail")
def fetch_mail_periodic() -> None:
    """Every minute: read all active mailboxes (one run at a time)."""
    for report in mailintake.mail_fetch_all():
        if report.total or report.error:
            log.info("mailbox %s: %s %s", report.mailbox, dict(report.outcomes), report.error)
