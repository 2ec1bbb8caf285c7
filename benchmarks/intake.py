"""How many requests per second stroydesk registers through its REST API.

Starts the real server (gunicorn, 2 workers × 4 threads, as `./dev demo` does) on a fresh
database, then C connections (wrk, see loadgen.py) POST operator phone-intake requests (a new
caller's contact + subject + text + topic each) for a fixed time. The same clients then hit
/healthz, a bare Django view on the same server, for the ratio.

    .venv/bin/python benchmarks/intake.py                      # SQLite (a temp file)
    .venv/bin/python benchmarks/intake.py --db postgres        # PostgreSQL at 127.0.0.1
    .venv/bin/python benchmarks/intake.py --seconds 20 --clients 8
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "stroydesk_bench_intake"

_spec = importlib.util.spec_from_file_location("loadgen", Path(__file__).parent / "loadgen.py")
assert _spec and _spec.loader
loadgen = importlib.util.module_from_spec(_spec)
sys.modules["loadgen"] = loadgen  # its dataclasses look their module up
_spec.loader.exec_module(loadgen)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict[str, str]) -> str:
    subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PY, "manage.py", "seed_directory"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    script = (
        "from stroydesk.accounts.services import user_create\n"
        "from stroydesk.accounts.tokens import api_token_issue\n"
        "u = user_create(username='bench-operator', password='bench-pass-1', role='operator')\n"
        "print(api_token_issue(user=u)[1])\n"
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def registration(token: str):
    """An operator's phone intake through the API: a new caller each time (``{n}``)."""
    return loadgen.Call(
        "/api/v1/requests/",
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        expect=201,
        body=json.dumps(
            {
                "subject": "Шум от стройки ночью",
                "text": "Обращение {n}: после 23:00 работает техника на стройплощадке.",
                "topic": "night-works",
                "channel": "phone",
                "applicant": {"full_name": "Абонент {n}", "email": "caller{n}@example.ru"},
            },
            ensure_ascii=False,
        ),
    )


def report(name: str, result) -> float:
    print(
        f"  {name:<28} {result.rate:8.1f} req/s   p50 {result.p50_ms:6.1f} ms   "
        f"p95 {result.p95_ms:6.1f} ms   errors {result.errors}"
    )
    return result.rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="stroydesk-bench-"))
    env = {
        **os.environ,
        "STROYDESK_DEMO": "1",
        "DEBUG": "0",
        "STROYDESK_VAR_DIR": str(tmp),
        "HUEY_SQLITE_PATH": str(tmp / "huey.sqlite3"),
        "LOG_LEVEL": "WARNING",
        # A load test: every call must be served, none throttled as an abusive client.
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
        "API_ANONYMOUS_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    env.pop("REDIS_URL", None)
    if args.db == "postgres":
        # benchmarks/ is first on sys.path, where queue.py (the queue-page benchmark) would
        # shadow the standard library's queue module that psycopg imports.
        sys.path[:] = [p for p in sys.path if not p.rstrip("/").endswith("benchmarks")]
        import psycopg

        with psycopg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    token = prepare(env)
    port = free_port()
    server = subprocess.Popen(
        [
            GUNICORN,
            "stroydesk.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        create = registration(token)
        bare = loadgen.Call("/healthz")
        print(
            f"stroydesk intake benchmark — {args.db}, gunicorn {args.workers}×{args.threads} "
            f"threads, {args.clients} connections from {loadgen.client_name()}, "
            f"{args.seconds:.0f} s each, {os.cpu_count()} CPUs"
        )
        loadgen.load(port, create, seconds=2, connections=args.clients)  # warm-up
        intake = report(
            "POST /api/v1/requests/",
            loadgen.load(port, create, seconds=args.seconds, connections=args.clients),
        )
        baseline = report(
            "GET /healthz (bare Django)",
            loadgen.load(port, bare, seconds=args.seconds, connections=args.clients),
        )
        print(f"  ratio intake / bare view:    {intake / baseline:.2f}")
        print("  (django-helpdesk's figure comes from benchmarks/side_by_side.py, in the same run)")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
