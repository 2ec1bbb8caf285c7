"""The nightly training, run in a short-lived child process.

Fitting a model takes far more memory than holding one (the optimiser's work arrays, the
vectorisers' full vocabularies, the twin trained for the figures), and a job consumer that
fitted once keeps that peak on its record for the rest of its life: the 300 MB budget of a
warm consumer counts the peak. A child process pays the peak and gives every page back to the
operating system when it exits; the parent only reads the stored ``RoutingModel`` row.

The child is started, not forked: the Huey consumer runs its jobs in threads, and a fork
copies whatever lock another thread held at that moment. It is ``python -m
stroydesk.routing.training_child`` with the parent's environment and settings module, told the
database the parent is actually using (a test run renames it), so it trains on what the parent
sees.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection

from stroydesk.routing import training_child
from stroydesk.routing.models import RoutingModel

log = logging.getLogger(__name__)

# The shipped set trains in seconds and 100,000 rows in under a minute (the fitting alone,
# benchmarks/routing_quality.py): half an hour means it is stuck, and the nightly job must
# fail rather than hold its lock.
TIMEOUT: float = getattr(settings, "ROUTING_TRAIN_TIMEOUT", 1800.0)
STDERR_LINES_KEPT = 40


class TrainingFailed(RuntimeError):
    """The child process did not store a model: it failed, was killed or timed out."""


def model_train_in_child(
    *, activate: bool = True, timeout: float | None = None, database: str | None = None
) -> RoutingModel:
    """Train a new version in a child process (see the module's docstring) and return the
    row it stored; raise ``TrainingFailed`` with the child's own error when it did not."""
    name = str(database if database is not None else connection.settings_dict["NAME"])
    command = [sys.executable, "-m", "stroydesk.routing.training_child", "--database", name]
    if not activate:
        command.append("--keep")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    limit = TIMEOUT if timeout is None else timeout
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=limit, check=False
        )
    except subprocess.TimeoutExpired as exc:  # run() has killed the child and reaped it
        _log_stderr(exc.stderr, level=logging.ERROR)
        raise TrainingFailed(f"routing training timed out after {limit:.0f} s") from None
    result = _result(done.stdout)
    if done.returncode != 0 or result is None:
        tail = _log_stderr(done.stderr, level=logging.ERROR)
        last = tail[-1] if tail else "no output"
        raise TrainingFailed(f"routing training exited with code {done.returncode}: {last}")
    _log_stderr(done.stderr, level=logging.DEBUG)
    log.info(
        "routing model v%s trained in child process %s: peak %.0f MB resident, %.1f s",
        result["version"],
        result["pid"],
        result["peak_mb"],
        time.monotonic() - started,
    )
    return RoutingModel.objects.get(version=result["version"])


def _result(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(training_child.RESULT_PREFIX):
            return dict(json.loads(line.removeprefix(training_child.RESULT_PREFIX)))
    return None


def _log_stderr(stderr: str | bytes | None, *, level: int) -> list[str]:
    """Pass the child's last lines into the parent's log; return them."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    lines = [line for line in (stderr or "").splitlines() if line.strip()][-STDERR_LINES_KEPT:]
    for line in lines:
        log.log(level, "training child: %s", line)
    return lines
