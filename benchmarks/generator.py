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
    .venv/bin/python benchmarks/generator.py --scale 0.02 --digest   # the same rows as before?

At a small scale a day has few requests, so the commands for many requests (one statement per
kind of step and day) gain less than at full size: compare rates at the same scale.
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
    parser.add_argument(
        "--digest",
        action="store_true",
        help="print a digest of the generated rows, to check that a change generates the same "
        "(DIGEST_PARTS=1: one per table, to find where two runs differ)",
    )
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
    digest = ""
    with transaction.atomic():
        with connection.execute_wrapper(count):
            if profile:
                profile.enable()
            for year, full in YEARS.items():
                created += generate_history(year=year, count=full, seed=1, scale=args.scale).created
            if profile:
                profile.disable()
        gen_wall, gen_cpu = time.perf_counter() - wall, cpu() - used
        if not args.commit:
            digest = generated_digest() if args.digest else ""
            transaction.set_rollback(True)
    if args.commit:  # the commit is part of the work
        gen_wall, gen_cpu = time.perf_counter() - wall, cpu() - used
        digest = generated_digest() if args.digest else ""
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
    if args.digest:
        print(f"  digest of the generated rows: {digest}")
    return 0


def generated_digest() -> str:
    """A hash of every row the generation wrote, table by table.

    Moments taken from the clock or at random (a login's creation and unusable password,
    ``updated_at`` of a request never moved, ``entered_at`` in a registration's details) are
    left out — the generated history lies years in the past. Escalations, answers and ratings
    are named by what they are (their request and moment), not by their keys, and so are the
    rows of the statistics: a generator that makes the same rows in another order gives the
    same digest.
    """
    import hashlib
    import json
    from datetime import datetime, timedelta

    from django.apps import apps
    from django.db import models
    from django.utils import timezone

    from stroydesk.cases.models import Answer, Escalation, Rating

    recent = timezone.now() - timedelta(days=1)

    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return "now" if value > recent else value.isoformat()
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k != "entered_at"}
        return value

    natural = {
        Escalation: ("request_id", "escalated_at"),
        Answer: ("request_id", "created_at", "kind"),
        Rating: ("request_id", "created_at"),
    }
    names_of = {
        model: {
            pk: [plain(v) for v in rest]
            for pk, *rest in model.objects.values_list("pk", *fields).iterator(chunk_size=2000)
        }
        for model, fields in natural.items()
    }
    digest = hashlib.sha256()
    for label in ("accounts", "directory", "cases", "stats"):
        for model in apps.get_app_config(label).get_models():
            fields = [f for f in model._meta.concrete_fields if f.attname != "password"]
            keyed = model in natural or (
                label == "stats" and isinstance(model._meta.pk, models.AutoField)
            )
            rows = []
            for row in (
                model.objects.order_by("pk")
                .values_list(*(f.attname for f in fields))
                .iterator(chunk_size=2000)
            ):
                values = []
                for field, value in zip(fields, row, strict=True):
                    if field.primary_key and keyed:
                        continue  # a key the database chose: the row is named by its content
                    if field.is_relation and field.related_model in names_of:
                        value = names_of[field.related_model].get(value)
                    values.append(plain(value))
                rows.append(json.dumps(values, default=str, sort_keys=True))
            if keyed or any(
                f.primary_key and f.is_relation and f.related_model in names_of for f in fields
            ):
                rows.sort()
            part = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            if os.environ.get("DIGEST_PARTS"):
                print(f"  {model._meta.label:32s} {len(rows):7d} rows  {part[:12]}")
            digest.update(f"{model._meta.label} {part}".encode())
    return digest.hexdigest()[:16]


if __name__ == "__main__":
    raise SystemExit(main())
