"""Periodic job of consultations: reminders the day before and an hour before."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from stroydesk.consultations.services import reminders_send


@db_periodic_task(crontab(minute="*/5"))
def consultation_reminders() -> int:
    """Idempotent: each reminder is claimed by a flag before its letter is sent."""
    return reminders_send()
