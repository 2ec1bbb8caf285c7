from __future__ import annotations

import logging
import os

import pytest
from django.db import connection

from stroydesk.routing import tasks, training
from stroydesk.routing.models import AutoRoute, RoutingModel


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_trains_in_a_child_process_and_the_parent_reads_its_model(caplog):
    # Committed rows and a real child: it trains on the shipped set in the same test database
    # (a file on SQLite, the renamed one on PostgreSQL), stores the model and activates it.
    RoutingModel.objects.create(version=1, blob=b"", metrics={}, is_active=True)
    with caplog.at_level(logging.INFO, logger="stroydesk.routing"):
        tasks.routing_retrain.call_local()
    active = RoutingModel.objects.get(is_active=True)
    assert active.version == 2 and active.examples >= 1500
    assert active.metrics["topic"]["accuracy"] > 0.8
    (line,) = [r for r in caplog.records if "trained in child process" in r.getMessage()]
    assert line.args[1] != os.getpid()  # the pid the child reported is not ours


def test_a_failing_child_fails_the_job_with_its_own_error_in_the_log(db, caplog, tmp_path):
    missing = (
        str(tmp_path / "no-such-dir" / "db")
        if connection.vendor == "sqlite"
        else "mem_train_no_such_db"
    )
    with (
        caplog.at_level(logging.ERROR, logger="stroydesk.routing"),
        pytest.raises(training.TrainingFailed, match="exited with code 1"),
    ):
        training.model_train_in_child(database=missing)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "training child: " in logged and "Error" in logged
    assert not RoutingModel.objects.exists()


def test_a_child_over_its_time_is_killed_and_the_job_fails(db):
    with pytest.raises(training.TrainingFailed, match="timed out"):
        training.model_train_in_child(timeout=0.5)
    assert not RoutingModel.objects.exists()


def test_the_minute_job_does_nothing_while_auto_routing_is_off(trained, new_request):
    new_request("Разрешение на строительство", "Подали документы на разрешение на строительство")
    tasks.routing_autoroute.call_local()
    assert not AutoRoute.objects.exists()
