"""How fast the demo-history generator makes requests through the services.

Generates both demo years (31,623 and 34,744 requests at full size) at ``--scale`` on a fresh
database, inside one transaction as the test does (``--commit``: a transaction per day, as
``manage.py generate_history`` does), and prints the requests per second by the clock and per
CPU second (this process, plus the PostgreSQL backend's), the statements per request, and the
time the full size would take. The machine is shared, so the CPU figures are the steadier ones;
the reference, measured in the same run on the same connection, is the rate of a trivial
statement (``SELECT 1``): the ratio says how many round trips one generated request costs.

    .venv/bin/python benchmarks/generator.py                        # SQLite, scale 0.05
    .venv/bin/python benchmarks/generator.py --db postgres          # PostgreSQL at 127.0.0.1
    .venv/bin/python benchmarks/generator.py --scale 1 --profile /tmp/gen.prof
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This folder holds other benchmarks whose names may shadow the standard library (queue.py).
sys.path[0] = str(ROOT)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "stroydesk_bench_generator"
YEARS = {2020: 31623, 2021: 34744}


def cpu_of(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--commit", action="store_true", help="a transaction per day")
    parser.add_argument("--pg-db", default=PG_BENCH_DB, help="the scratch database's name")
    parser.add_argument("--profile", help="write a cProfile (CPU time) of the generation here")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="stroydesk-generator-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {args.pg_db}")
            conn.execute(f"CREATE DATABASE {args.pg_db}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.pg_db}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/generator.sqlite3"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ["STROYDESK_VAR_DIR"] = tmp
    os.environ["HUEY_IMMEDIATE"] = "1"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "stroydesk.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from stroydesk.directory.services import directory_seed
    from stroydesk.stats.generator import generate_history

    call_command("migrate", verbosity=0)
    directory_seed()
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]

    def cpu() -> float:
        return time.process_time() + (cpu_of(backend) if backend else 0.0)

    # The reference: trivial statements on the same connection, in the same run.
    trivial = 3000
    wall, used = time.perf_counter(), cpu()
    with connection.cursor() as cursor:
        for _ in range(trivial):
            cursor.execute("SELECT 1")
            cursor.fetchone()
    ref_wall, ref_cpu = time.perf_counter() - wall, cpu() - used

    statements: Counter[str] = Counter()

    def count(execute, sql, params, many, context):
        statements[sql.split(" ", 1)[0]] += 1
        return execute(sql, params, many, context)

    profile = cProfile.Profile(time.process_time) if args.profile else None
    created = 0
    wall, used = time.perf_counter(), cpu()
    with connection.execute_wrapper(count), transaction.atomic():
        if profile:
            profile.enable()
        for year, full in YEARS.items():
            created += generate_history(year=year, count=full, seed=1, scale=args.scale).created
        if profile:
            profile.disable()
        if not args.commit:
            transaction.set_rollback(True)
    gen_wall, gen_cpu = time.perf_counter() - wall, cpu() - used
    if profile:
        profile.dump_stats(args.profile)

    total = sum(YEARS.values())
    per_wall, per_cpu = created / gen_wall, created / gen_cpu
    print(
        f"stroydesk demo-history generator — {connection.vendor}, scale {args.scale}, "
        f"{'a transaction per day' if args.commit else 'one transaction (as the test)'}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  {created} requests in {gen_wall:.1f} s ({gen_cpu:.1f} CPU s"
        + (", the PostgreSQL backend's included" if backend else "")
        + ")"
    )
    print(f"  {per_wall:7.1f} requests/s by the clock   {per_cpu:7.1f} per CPU second")
    print(
        f"  {sum(statements.values()) / created:.2f} statements per request ("
        + ", ".join(f"{k} {v / created:.2f}" for k, v in statements.most_common())
        + ")"
    )
    print(
        f"  reference SELECT 1: {trivial / ref_wall:.0f}/s by the clock, "
        f"{trivial / ref_cpu:.0f} per CPU second; one request = "
        f"{(trivial / ref_cpu) / per_cpu:.1f} trivial statements in CPU"
    )
    print(
        f"  the full size ({total} requests) at this rate: {total / per_wall / 60:.1f} min by the "
        f"clock, {total / per_cpu / 60:.1f} CPU min (target: under 3 min)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
