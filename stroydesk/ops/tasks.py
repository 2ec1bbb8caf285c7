"""Background jobs across the apps: the nightly retention of personal data."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from stroydesk.ops import privacy


@db_periodic_task(crontab(hour="3", minute="41"))
@lock_task("ops-retention")
def retention_periodic() -> None:
    """Every night: anonymise the requests closed over ``REQUEST_RETENTION_YEARS`` ago
    (``manage.py anonymise_closed``)."""
    privacy.retention_run()
