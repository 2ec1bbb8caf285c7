"""How many requests per second stroydesk registers through its REST API.

Starts the real server (gunicorn, 2 workers × 4 threads, as `./dev demo` does) on a fresh
database, then C client threads with keep-alive connections POST operator phone-intake requests
(a caller's contact + subject + text + topic) for a fixed time. The same clients then hit
/healthz, a bare Django view on the same server, for the ratio.

    .venv/bin/python benchmarks/intake.py                      # SQLite (a temp file)
    .venv/bin/python benchmarks/intake.py --db postgres        # PostgreSQL at 127.0.0.1
    .venv/bin/python benchmarks/intake.py --seconds 20 --clients 8
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "stroydesk_bench_intake"


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


def hammer(port: int, clients: int, seconds: float, make_call) -> tuple[int, list[float], int]:
    """Run ``clients`` threads for ``seconds``; return (ok count, latencies, errors)."""
    latencies: list[float] = []
    counts = {"ok": 0, "err": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[float] = []
        ok = err = 0
        i = 0
        while time.perf_counter() < deadline:
            method, path, body, headers, expect = make_call(n, i)
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status == expect:
                    ok += 1
                    local.append(time.perf_counter() - t0)
                else:
                    err += 1
            except (OSError, http.client.HTTPException):
                err += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            i += 1
        with lock:
            latencies.extend(local)
            counts["ok"] += ok
            counts["err"] += err

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts["ok"], latencies, counts["err"]


def report(name: str, ok: int, latencies: list[float], errors: int, seconds: float) -> float:
    rate = ok / seconds
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(
        f"  {name:<28} {rate:8.1f} req/s   p50 {q[49] * 1000:6.1f} ms   "
        f"p95 {q[94] * 1000:6.1f} ms   errors {errors}"
    )
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
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
            "4",
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
        auth = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

        def create(n: int, i: int):
            body = json.dumps(
                {
                    "subject": "Шум от стройки ночью",
                    "text": f"Обращение {n}-{i}: после 23:00 работает техника на стройплощадке.",
                    "topic": "night-works",
                    "channel": "phone",
                    "applicant": {"full_name": f"Абонент {n}-{i}", "phone": f"+7916{n:02d}{i:05d}"},
                }
            )
            return "POST", "/api/v1/requests/", body, auth, 201

        def bare(n: int, i: int):
            return "GET", "/healthz", None, {}, 200

        print(
            f"stroydesk intake benchmark — {args.db}, gunicorn {args.workers}×4 threads, "
            f"{args.clients} clients, {args.seconds:.0f} s each, {os.cpu_count()} CPUs"
        )
        hammer(port, args.clients, 2, create)  # warm-up
        intake = report(
            "POST /api/v1/requests/",
            *hammer(port, args.clients, args.seconds, create),
            args.seconds,
        )
        baseline = report(
            "GET /healthz (bare Django)",
            *hammer(port, args.clients, args.seconds, bare),
            args.seconds,
        )
        print(f"  ratio intake / bare view:    {intake / baseline:.2f}")
        print(f"  vs django-helpdesk ~100 tickets/s: {intake / 100:.1f}×")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
