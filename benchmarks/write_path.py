"""One registration through the API, in-process: its statements, its time and CPU, its profile.

Calls the WSGI application itself (every middleware, DRF, the services) with an operator's
phone intake — a new caller each time — on a fresh PostgreSQL database, with Redis for the cache
and the job queue when it answers (the production shape), and prints the statements of one
registration, the wall and CPU milliseconds per registration and, in the same run, per call of
the bare view ``/healthz`` for the ratio. ``--profile`` adds the functions that cost the most CPU
(cProfile with ``time.process_time``, so that waiting is not counted).

    .venv/bin/python benchmarks/write_path.py
    .venv/bin/python benchmarks/write_path.py --calls 2000 --profile 30
    .venv/bin/python benchmarks/write_path.py --db sqlite
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This folder holds benchmarks named like standard modules (queue.py): keep it off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "stroydesk_bench_write_path"
REDIS_URL = "redis://127.0.0.1:6379/0"


def setup(db: str) -> None:
    tmp = tempfile.mkdtemp(prefix="stroydesk-write-path-")
    os.environ.update(
        {
            "STROYDESK_DEMO": "1",
            "DEBUG": "0",
            "STROYDESK_VAR_DIR": tmp,
            "HUEY_SQLITE_PATH": f"{tmp}/huey.sqlite3",
            "LOG_LEVEL": "WARNING",
            "API_RATE_LIMIT_PER_MINUTE": "100000000",
            "DJANGO_SETTINGS_MODULE": "stroydesk.settings",
            "HUEY_IMMEDIATE": "0",
            "HUEY_NAME": f"bench-write-path-{os.getpid()}",
        }
    )
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}"')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        os.environ["REDIS_URL"] = REDIS_URL
    except Exception:
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from stroydesk.directory.services import directory_seed

    directory_seed()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--profile", type=int, default=0, help="print this many functions")
    parser.add_argument("--sort", choices=["cumulative", "tottime"], default="cumulative")
    parser.add_argument(
        "--caller",
        choices=["new", "known"],
        default="new",
        help="a new caller each registration, or the same one every time",
    )
    args = parser.parse_args()
    setup(args.db)

    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stroydesk.accounts.services import user_create
    from stroydesk.accounts.tokens import api_token_issue

    operator = user_create(username="bench-operator", password=None, role="operator")
    token = api_token_issue(user=operator)[1]
    app = get_wsgi_application()

    def call(method: str, path: str, body: bytes = b"", expect: str = "200") -> None:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            "HTTP_AUTHORIZATION": f"Token {token}",
        }
        status: list[str] = []
        answer = b"".join(app(environ, lambda s, _h, _e=None: status.append(s)))
        if not status[0].startswith(expect):
            raise SystemExit(f"{method} {path}: {status[0]} {answer[:300]!r}")

    def caller(n: int) -> int:
        return n if args.caller == "new" else 0

    def register(n: int) -> None:
        body = {
            "subject": "Шум от стройки ночью",
            "text": f"Обращение {n}: после 23:00 работает техника на стройплощадке.",
            "topic": "night-works",
            "channel": "phone",
            "applicant": {"full_name": f"Абонент {caller(n)}", "email": f"caller{caller(n)}@x.ru"},
        }
        call("POST", "/api/v1/requests/", json.dumps(body).encode(), expect="201")

    def bare(_n: int) -> None:
        call("GET", "/healthz")

    for n in range(200):  # warm-up: dictionaries, compiled statements, connections
        register(n)
        bare(n)
    with CaptureQueriesContext(connection) as queries:
        register(10**8)
    print(
        f"stroydesk write path — {connection.vendor}, "
        f"{'Redis' if os.environ.get('REDIS_URL') else 'no Redis'}, {args.calls} calls each, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    statements = len(queries.captured_queries)
    print(f"  statements of one registration (a {args.caller} caller): {statements}")
    for q in queries.captured_queries:
        print(f"    {q['sql'][:96]}")

    def timed(fn, start: int) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(start, start + args.calls):
            fn(n)
        return (
            (time.perf_counter() - wall) / args.calls * 1000,
            (time.process_time() - cpu) / args.calls * 1000,
        )

    reg_wall, reg_cpu = timed(register, 1000)
    bare_wall, bare_cpu = timed(bare, 0)
    print(f"  registration:   {reg_wall:6.2f} ms wall, {reg_cpu:6.2f} ms CPU (this process)")
    print(f"  bare /healthz:  {bare_wall:6.3f} ms wall, {bare_cpu:6.3f} ms CPU")
    print(f"  ratio (CPU):    a registration costs {reg_cpu / bare_cpu:.1f} bare views")
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for n in range(10**6, 10**6 + min(args.calls, 500)):
            register(n)
        profile.disable()
        stats = pstats.Stats(profile)
        if os.environ.get("WRITE_PATH_PROFILE"):
            stats.dump_stats(os.environ["WRITE_PATH_PROFILE"])
        stats.sort_stats(args.sort).print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
