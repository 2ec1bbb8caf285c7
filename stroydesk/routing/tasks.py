"""Background jobs of routing: nightly retraining and the auto-router's pass over new requests."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from stroydesk.routing import services, training

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="30"))
@lock_task("routing-train")
def routing_retrain() -> None:
    # In a child process: the fitting's peak would otherwise stay on the consumer's record.
    model = training.model_train_in_child()
    log.info("routing model v%s trained: %s", model.version, model.metrics)


@db_periodic_task(crontab(minute="*"))
@lock_task("routing-autoroute")
def routing_autoroute() -> None:
    result = services.autoroute_pending()
    if result.routed or result.skipped:
        log.info("auto-routing: %s routed, %s left to operators", result.routed, result.skipped)
