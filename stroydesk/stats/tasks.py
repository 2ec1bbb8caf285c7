"""Background job of statistics: keep the rollups in step with the history (idempotent)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from stroydesk.stats.services import rollups_refresh

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
@HUEY.lock_task("stats-rollups-refresh")
def rollups_refresh_periodic() -> None:
    """Read the history written since the last run into the facts and rollups."""
    result = rollups_refresh()
    if result.changed_facts:
        log.info("stats: %d facts changed, %d days re-summed", result.changed_facts, result.days)
