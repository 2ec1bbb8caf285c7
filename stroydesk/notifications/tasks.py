"""Background jobs of notifications: the letters the domain's events ask for, the SLA watch,
and the delivery of e-mails and text messages with retries (defined next to their delivery, in
``outbound`` and ``sms``, and listed here for the worker).

The subscribers registered in ``NotificationsConfig.ready()`` only enqueue these jobs: a step of
a request or an account is never slowed down nor failed by a letter.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task, on_startup

from stroydesk.accounts.events import AccountEvent
from stroydesk.cases.events import RequestEvent
from stroydesk.cases.sla import sla_scan
from stroydesk.notifications import account_letters, letters, sweeps
from stroydesk.notifications.outbound import deliver_email
from stroydesk.notifications.rules import REQUEST_RULES
from stroydesk.notifications.sms import deliver_sms

__all__ = [
    "account_letter",
    "deliver_email",
    "deliver_sms",
    "letters_sweep_periodic",
    "on_account_event",
    "on_request_event",
    "request_letters",
    "sla_letters",
    "sla_scan_periodic",
    "track_code_letter",
]

log = logging.getLogger(__name__)


def on_request_event(event: RequestEvent) -> None:
    """Subscriber of cases' events: queue the letters of a row the table knows."""
    if event.action in REQUEST_RULES:
        try:
            request_letters(event.history_id)
        except Exception:
            # After the commit: the step is done; the history row is the durable record and
            # the sweep dispatches its letters when the queue is back.
            log.exception("letters of history row %s not queued; the sweep will", event.history_id)


def on_account_event(event: AccountEvent) -> None:
    """Subscriber of accounts' events."""
    account_letter(event.kind, event.user_id, event.occurrence)


@db_task(retries=5, retry_delay=30)
def request_letters(history_id: int) -> None:
    """The letters of one history row of a request (once each, whatever the retries)."""
    letters.request_letters_send(history_id=history_id)


@db_task(retries=5, retry_delay=30)
def sla_letters(reminded: list[int], alerted: list[int]) -> None:
    letters.sla_letters_send(reminded=reminded, alerted=alerted)


@db_task(retries=5, retry_delay=30)
def account_letter(kind: str, user_id: int, occurrence: str) -> None:
    account_letters.account_letter_send(kind=kind, user_id=user_id, occurrence=occurrence)


@db_task(retries=5, retry_delay=30)
def track_code_letter(number: str, email: str, code: str, occurrence: str) -> None:
    account_letters.track_code_letter_send(
        number=number, email=email, code=code, occurrence=occurrence
    )


@db_periodic_task(crontab(minute="*/5"))
@lock_task("notifications-sla-scan")
def sla_scan_periodic() -> None:
    """Every 5 minutes: mark the escalations due soon and overdue (``cases.sla``), then tell."""
    result = sla_scan()
    if result.reminded or result.alerted:
        log.info("SLA scan: %d reminded, %d overdue", len(result.reminded), len(result.alerted))
        sla_letters(result.reminded, result.alerted)


def _sweep_once() -> None:
    close_old_connections()
    try:
        sweeps.sweep()
    except Exception:
        log.exception("notifications sweep failed; next round")
    finally:
        close_old_connections()


@db_periodic_task(crontab(minute="*"))
@lock_task("notifications-sweep")
def letters_sweep_periodic() -> None:
    """Every minute: letters of unhandled events, lost letter jobs, letters stuck sending."""
    sweeps.sweep()


_loop_started = threading.Lock()


@on_startup("notifications-sweep")
def sweep_on_startup() -> None:
    """A (re)started consumer recovers at once what a killed one left behind.

    Huey's periodic tasks run at most once a minute (crontab resolution), so a shorter
    ``EMAIL_SWEEP_SECONDS`` (the fault cluster sets 3) starts one loop thread per consumer
    process instead. Startup hooks run once per worker; the lock lets only the first one in.
    """
    if not _loop_started.acquire(blocking=False):
        return
    _sweep_once()
    interval = settings.EMAIL_SWEEP_SECONDS
    if interval >= 60:
        return

    def loop() -> None:
        while True:
            time.sleep(interval)
            _sweep_once()

    threading.Thread(target=loop, name="notifications-sweep", daemon=True).start()
