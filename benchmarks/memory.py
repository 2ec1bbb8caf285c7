"""How much memory a warm web worker and a warm job consumer hold, against a 300 MB budget.

Prepares a fresh database (the directory, the knowledge base), starts
the real server (gunicorn, one worker × 4 threads) and one Huey consumer (2 worker threads, one
process), then warms both with every model loaded:

- the web worker (called by a supervisor): registrations through the REST API (the Russian
  dictionaries), routing suggestions (the routing model), knowledge-base searches through the
  API and the page (the lemmas, the synonyms and the semantic word vectors), the yearly
  statistics;
- the consumer: a job of each kind — the letters of those registrations and their delivery,
  the routing model's training (the worker's second round of calls then loads that model)
  and the auto-routing, the rollups, the SLA scan, the letters'
  sweep, the consultations' reminders, the purge of unconfirmed accounts, the mail fetch.

Then it reads each process's resident memory from /proc (VmRSS now, VmHWM the peak) and prints
it with its ratio to the 300 MB budget and to two references measured in the same run: a bare
``python -c 'import django'`` and a process that has only run ``django.setup()``.

    .venv/bin/python benchmarks/memory.py                  # SQLite (a temp file)
    .venv/bin/python benchmarks/memory.py --db postgres    # PostgreSQL at 127.0.0.1
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "stroydesk_bench_memory"
BUDGET_MB = 300.0

QUESTIONS = (
    ("Шум от стройки ночью", "После 23:00 на стройплощадке работает техника, просим проверить."),
    ("Разрешение на строительство", "Как получить разрешение на строительство жилого дома?"),
    ("Переселение по реновации", "Когда будет переселение нашего дома по программе реновации?"),
    ("ГПЗУ", "Сколько времени готовят градостроительный план земельного участка?"),
)
JOBS = (
    "stroydesk.routing.tasks.routing_retrain",
    "stroydesk.routing.tasks.routing_autoroute",
    "stroydesk.stats.tasks.rollups_refresh_periodic",
    "stroydesk.notifications.tasks.sla_scan_periodic",
    "stroydesk.notifications.tasks.letters_sweep_periodic",
    "stroydesk.consultations.tasks.consultation_reminders",
    "stroydesk.accounts.tasks.unconfirmed_purge_periodic",
    "stroydesk.channels.tasks.fetch_mail_periodic",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def reference(code: str, env: dict[str, str]) -> tuple[float, float]:
    """The memory of a Python process that ran ``code`` and waits."""
    proc = subprocess.Popen(
        [PY, "-c", f"{code}\nimport sys\nprint('ready', flush=True)\nsys.stdin.read()"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        return memory(proc.pid)
    finally:
        proc.kill()
        proc.wait()


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> str:
    out = subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if quiet else None,
        text=True,
    )
    return out.stdout


def step(text: str) -> None:
    print(f"  … {text}", file=sys.stderr, flush=True)


def prepare(env: dict[str, str]) -> str:
    """A fresh database with what the models need; the operator's API token."""
    step("preparing the database")
    manage(env, "migrate", "-v", "0")
    manage(env, "seed_directory")
    manage(env, "seed_kb")
    # No routing model yet: the consumer's retraining job makes it, and the worker's second
    # round of calls loads it.
    script = (
        "from stroydesk.accounts.services import user_create\n"
        "from stroydesk.accounts.tokens import api_token_issue\n"
        "u = user_create(username='bench-supervisor', password='bench-pass-1', role='supervisor')\n"
        "print(api_token_issue(user=u)[1])\n"
    )
    return manage(env, "shell", "-c", script).strip().splitlines()[-1]


def call(port: int, method: str, path: str, token: str, body: object = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def warm_web(port: int, token: str) -> dict[str, int]:
    """Hit what loads each model, a few times over; the statuses seen per path."""
    seen: dict[str, int] = {}
    for round_ in range(3):
        for i, (subject, text) in enumerate(QUESTIONS):
            calls = [
                (
                    "POST",
                    "/api/v1/requests/",
                    {
                        "subject": subject,
                        "text": text,
                        "channel": "phone",
                        "applicant": {
                            "full_name": f"Абонент {round_}-{i}",
                            "email": f"caller{round_}{i}@example.ru",
                        },
                    },
                ),
                ("POST", "/api/v1/routing/suggest/", {"subject": subject, "text": text}),
                ("GET", "/api/v1/kb/search/?" + urllib.parse.urlencode({"q": text}), None),
                ("GET", "/kb/?" + urllib.parse.urlencode({"q": subject}), None),
                ("GET", "/api/v1/stats/yearly/?years=2025,2026", None),
            ]
            for method, path, body in calls:
                seen[f"{method} {path.split('?')[0]}"] = call(port, method, path, token, body)
    return seen


def enqueue_jobs(env: dict[str, str]) -> None:
    lines = ["import importlib"]
    for dotted in JOBS:
        module, name = dotted.rsplit(".", 1)
        lines.append(f"getattr(importlib.import_module({module!r}), {name!r})()")
    manage(env, "shell", "-c", "\n".join(lines))


def idle(pid: int, timeout: float = 300) -> None:
    """Wait until the process has used no CPU for two seconds (done starting up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(2)
        if cpu_seconds(pid) - before < 0.05:
            return


def drain(env: dict[str, str], consumer: int, timeout: float = 300) -> bool:
    """Wait until the queue is empty and the consumer has been idle for two seconds."""
    script = "from huey.contrib.djhuey import HUEY\nprint(HUEY.pending_count())"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if int(manage(env, "shell", "-c", script).strip().splitlines()[-1]) == 0:
            before = cpu_seconds(consumer)
            time.sleep(2)
            if cpu_seconds(consumer) - before < 0.05:
                return True
        else:
            time.sleep(1)
    return False


def row(name: str, rss: float, hwm: float, bare: float, setup: float) -> str:
    return (
        f"  {name:<28} {rss:7.1f} MB  peak {hwm:7.1f} MB   {rss / BUDGET_MB:5.2f}× budget   "
        f"{rss / bare:5.1f}× import django   {rss / setup:4.2f}× django.setup()"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="stroydesk-memory-"))
    env = {
        **os.environ,
        "STROYDESK_DEMO": "1",
        "DEBUG": "0",
        "STROYDESK_VAR_DIR": str(tmp),
        "HUEY_SQLITE_PATH": str(tmp / "huey.sqlite3"),
        "HUEY_IMMEDIATE": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    if args.db == "postgres":
        # benchmarks/ is first on sys.path, where queue.py (the queue-page benchmark) would
        # shadow the standard library's queue module that psycopg imports.
        sys.path[:] = [p for p in sys.path if not p.rstrip("/").endswith("benchmarks")]
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"

    bare = reference("import django", env)
    setup = reference(
        "import os, django\nos.environ['DJANGO_SETTINGS_MODULE'] = 'stroydesk.settings'\n"
        "django.setup()",
        env,
    )
    token = prepare(env)
    port = free_port()
    bind = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [GUNICORN, "stroydesk.wsgi", "--bind", bind, "--workers", "1", "--threads", "4"],
        cwd=ROOT,
        env=env,
    )
    consumer = subprocess.Popen(
        [PY, "manage.py", "run_huey", "--workers", "2", "--flush-locks"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):  # until the worker itself answers (the app is loaded)
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        idle(consumer.pid)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        worker = int(children[0])
        cold_web = memory(worker)
        cold_consumer = memory(consumer.pid)
        step("warming the web worker")
        statuses = warm_web(port, token)
        step("a job of each kind for the consumer")
        enqueue_jobs(env)
        drained = drain(env, consumer.pid)
        step("the web worker again")
        warm_web(port, token)  # the worker again, after the jobs changed the data it reads
        web = memory(worker)
        jobs = memory(consumer.pid)
    finally:
        server.terminate()
        consumer.terminate()
        server.wait(timeout=30)
        consumer.wait(timeout=30)

    print(f"stroydesk memory benchmark — {args.db}, {os.cpu_count()} CPUs")
    print("  warm-up calls: " + ", ".join(f"{path} {code}" for path, code in statuses.items()))
    if not drained:
        print("  (the queue did not drain within the time limit: the consumer's figure is partial)")
    print(f"  reference: import django {bare[0]:.1f} MB, django.setup() {setup[0]:.1f} MB")
    print(row("web worker, started", *cold_web, bare[0], setup[0]))
    print(row("web worker, warm", *web, bare[0], setup[0]))
    print(row("job consumer, started", *cold_consumer, bare[0], setup[0]))
    print(row("job consumer, warm", *jobs, bare[0], setup[0]))
    over = [name for name, (rss, hwm) in (("web", web), ("consumer", jobs)) if hwm > BUDGET_MB]
    verdict = "over the budget: " + ", ".join(over) if over else "both within"
    print(f"  budget {BUDGET_MB:.0f} MB resident (peak counted): {verdict}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
