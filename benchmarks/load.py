"""The mixed load stroydesk holds in production shape: locust people against the multi-process
server, the highest load with zero errors, then a long run at it.

Production shape on this machine: gunicorn with N sync workers, M Huey consumers, PostgreSQL
and Redis for the queue and the cache. The script seeds a database (the directory,
``demo_data``, the rollups, accounts of its own and a pool of escalations for the specialists)
once as a template, ``stroydesk_bench_load_seeded``, and copies it for each run into
``stroydesk_bench_load``; it signs every account in once through the login form, warms the
workers up for 20 s (their models load on first use), and lets locust
(benchmarks/loadtest/locustfile.py) play four kinds of people, each waiting 1–3 s between steps:
applicants asking on the portal (form, submission, confirmation), operators opening the queue
and a request's card, specialists answering their authority's escalations (inbox, card,
answer) and supervisors opening the statistics.

It steps the number of people up (doubling, then one step between the last good and the first
bad) for --step-seconds each; a step holds when nothing failed: no wrong status and no answer
slower than --slow-ms. Then it runs --minutes at the highest load that held and prints each
kind's throughput and p95, and, in the same run, the rate of the bare view /healthz on the same
server (8 keep-alive clients) for the ratio.

    .venv/bin/python benchmarks/load.py                 # a quick check: 1 minute at the load found
    .venv/bin/python benchmarks/load.py --minutes 5     # the real figure
    .venv/bin/python benchmarks/load.py --users 120 --minutes 5   # skip the search
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _helpers(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Starting servers, signing in, hammering a URL: the side-by-side benchmark's (which also takes
# benchmarks/ off sys.path: benchmarks/queue.py would shadow the standard library's queue).
side = _helpers("side_by_side_bench", "side_by_side.py")
intake = side.intake

PY = sys.executable
LOCUST = str(Path(sys.executable).parent / "locust")
LOCUSTFILE = ROOT / "benchmarks" / "loadtest" / "locustfile.py"
DB = "stroydesk_bench_load"
SEEDED = "stroydesk_bench_load_seeded"
HUEY_NAME = f"bench-load-{os.getpid()}"

SEED = """
import json, sys, time
from django.core.management import call_command
from django.db import transaction
from stroydesk.accounts.services import applicant_create, user_create
from stroydesk.cases import services
from stroydesk.cases.intake import Intake, register_request
from stroydesk.directory.models import Authority, Topic
from stroydesk.directory.services import specialist_appoint

demo_requests, pool, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
stages, clock = {}, time.perf_counter()

def stage(name):
    global clock
    stages[name] = round(time.perf_counter() - clock)
    clock = time.perf_counter()

call_command("migrate", "--noinput", verbosity=0)
stage("migrate")
call_command("seed_directory", verbosity=0)
call_command("demo_data", "--requests", str(demo_requests), verbosity=0)
stage("demo_data")
call_command("rebuild_rollups", verbosity=0)
accounts = {"applicants": [], "operators": [], "specialists": [], "supervisors": []}

def account(role_list, username, role, **names):
    user = user_create(username=username, password=password, role=role,
                       email=f"{username}@bench.stroydesk.local", **names)
    accounts[role_list].append(username)
    return user

applicants = []
for n in range(10):
    user = account("applicants", f"load-applicant-{n}", "applicant", first_name="Житель",
                   last_name=f"Нагрузочный{n}")
    applicant_create(full_name=f"Нагрузочный Житель {n}", email=user.email,
                     phone=f"+7495777{n:04d}", user=user)
    applicants.append(user)
operators = [account("operators", f"load-operator-{n}", "operator", last_name=f"Оператор{n}")
             for n in range(4)]
account("supervisors", "load-supervisor", "supervisor", last_name="Старший")
authorities = list(Authority.objects.filter(is_active=True).order_by("pk"))
for authority in authorities:
    user = account("specialists", f"load-spec-{authority.code}", "specialist",
                   last_name=authority.short_name[:40])
    specialist_appoint(user=user, authority=authority)
topic = Topic.objects.filter(parent__isnull=False).order_by("pk").first()
for n in range(pool):
    with transaction.atomic():
        request = register_request(
            intake=Intake(channel="portal", subject=f"Вопрос для ответа ведомства {n}",
                          text="Прошу разъяснить, нужно ли разрешение на работы во дворе.",
                          topic=topic),
            by=applicants[n % len(applicants)])
        operator = operators[n % len(operators)]
        services.request_take(request=request, by=operator)
        services.request_escalate(request=request, by=operator,
                                  authority=authorities[n % len(authorities)],
                                  question="Просим дать разъяснение.")
stage("accounts and escalations")
print(json.dumps({"accounts": accounts, "stages": stages}))
"""

# The open escalations each specialist account may answer now (each step answers some).
POOL = """
import json
from stroydesk.accounts.models import User
from stroydesk.cases.selectors import escalation_list_for
pools = {}
for user in User.objects.filter(username__startswith="load-spec-"):
    running = escalation_list_for(user=user, is_open=True).order_by("id")
    pools[user.username] = list(running.values_list("request_id", flat=True))
print(json.dumps(pools))
"""


def env(database: str = DB) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "STROYDESK_DEMO": "1",
        "DEBUG": "0",
        "HUEY_IMMEDIATE": "0",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "HUEY_NAME": HUEY_NAME,
        "LOG_LEVEL": "WARNING",
        "STROYDESK_VAR_DIR": str(ROOT / "var" / "bench" / "load-var"),
        # The consumers send the letters the load causes; nowhere, here.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # A load test of capacity: a few accounts play many people, none throttled as abusive.
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
        "ASK_RATE_LIMIT_PER_HOUR": "1000000",
        "DJANGO_SETTINGS_MODULE": "stroydesk.settings",
        "PYTHONPATH": str(ROOT),
    }


def django_script(script: str, *args: str, database: str = DB) -> str:
    code = "import django; django.setup()\n" + script
    run = side.sh([PY, "-c", code, *args], cwd=ROOT, env=env(database))
    return run.stdout.strip().splitlines()[-1]


def admin_sql(sql: str, params: list | None = None) -> list:
    import psycopg

    with psycopg.connect(side.ADMIN_URL, autocommit=True) as db:
        cursor = db.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def seeded_accounts(args: argparse.Namespace) -> dict[str, list[str]]:
    """Seed the template database once (minutes: demo_data, password hashes); each run copies it.

    The template is made again when the migrations or the seed's sizes change, or --reseed."""
    files = sorted(ROOT.glob("stroydesk/*/migrations/0*.py"))
    digest = hashlib.sha1("\n".join(f"{f.name} {f.stat().st_size}" for f in files).encode())
    mark = f"demo={args.demo_requests} pool={args.pool} migrations={digest.hexdigest()[:12]}"
    found = admin_sql(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [SEEDED],
    )
    if found and found[0][0] and not args.reseed:
        kept = json.loads(found[0][0])
        if kept["mark"] == mark:
            print(f"seeded database {SEEDED} reused ({mark}; --reseed makes it again)")
            return kept["accounts"]
    started = time.perf_counter()
    side.recreate(SEEDED)
    seeded = json.loads(
        django_script(SEED, str(args.demo_requests), str(args.pool), side.PASSWORD, database=SEEDED)
    )
    comment = json.dumps({"mark": mark, "accounts": seeded["accounts"]}).replace("'", "''")
    admin_sql(f"COMMENT ON DATABASE \"{SEEDED}\" IS '{comment}'")
    print(
        f"seeded {SEEDED}: demo_data --requests {args.demo_requests}, {args.pool} escalations "
        f"to answer ({time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{k} {v} s" for k, v in seeded["stages"].items())
        + ")",
        flush=True,
    )
    return seeded["accounts"]


def run_locust(
    port: int, users: int, seconds: float, plan: dict, slow_ms: int, out: Path
) -> dict[str, dict[str, float]]:
    """One locust run of ``users`` people; per kind: count, failures, rate, p50, p95 (ms)."""
    plan_file = out / "plan.json"
    plan_file.write_text(json.dumps(plan))
    spawn = max(1.0, users / 5)  # everyone on the way in about 5 s; then the statistics restart
    prefix = out / f"u{users}"
    run_env = {
        **os.environ,
        "STROYDESK_LOAD_PLAN": str(plan_file),
        "STROYDESK_LOAD_SLOW_MS": str(slow_ms),
    }
    subprocess.run(
        [
            LOCUST,
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "--users",
            str(users),
            "--spawn-rate",
            f"{spawn:.1f}",
            "--run-time",
            f"{int(seconds + users / spawn + 1)}s",
            "--reset-stats",
            "--only-summary",
            "--csv",
            str(prefix),
            "--loglevel",
            "WARNING",
        ],
        env=run_env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=(out / f"u{users}.log").open("w"),
    )
    if not Path(f"{prefix}_stats.csv").exists():
        log = (out / f"u{users}.log").read_text()[-2000:]
        raise RuntimeError(f"locust wrote no statistics (is it installed? .[dev]):\n{log}")
    kinds = {}
    # An exception in a person's step (locust counts those apart from failed requests) is an
    # error too.
    with open(f"{prefix}_exceptions.csv", newline="") as f:
        crashed = sum(int(row["Count"]) for row in csv.DictReader(f))
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            kinds[row["Name"]] = {
                "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rate": float(row["Requests/s"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
            }
    kinds["Aggregated"]["failures"] += crashed
    return kinds


def fresh_plan(accounts: dict, cookies: dict[str, dict[str, str]]) -> dict:
    pools = json.loads(django_script(POOL))
    return {
        role: [
            {"username": name, "cookies": cookies[name], "escalations": pools.get(name, [])}
            for name in names
        ]
        for role, names in accounts.items()
    }


def print_kinds(kinds: dict[str, dict[str, float]]) -> None:
    print(f"  {'kind':<30}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for name, k in sorted(kinds.items(), key=lambda item: item[0] == "Aggregated"):
        label = "all kinds" if name == "Aggregated" else name
        print(
            f"  {label:<30}{k['count']:>9}{k['rate']:>9.1f}{k['p50']:>9.0f}{k['p95']:>9.0f}"
            f"{k['failures']:>8}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="the run at the found load")
    parser.add_argument("--step-seconds", type=float, default=20.0)
    parser.add_argument("--start-users", type=int, default=10)
    parser.add_argument("--max-users", type=int, default=1280)
    parser.add_argument("--users", type=int, default=0, help="skip the search: this many people")
    parser.add_argument("--slow-ms", type=int, default=2000, help="slower than this is an error")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--consumers", type=int, default=2, help="Huey consumer processes")
    parser.add_argument("--consumer-threads", type=int, default=2)
    parser.add_argument("--demo-requests", type=int, default=1000)
    parser.add_argument("--pool", type=int, default=1500, help="escalations to be answered")
    parser.add_argument("--reseed", action="store_true", help="seed the template database anew")
    args = parser.parse_args()

    accounts = seeded_accounts(args)
    admin_sql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{DB}" TEMPLATE "{SEEDED}"')
    out = Path(tempfile.mkdtemp(prefix="stroydesk-load-"))
    port = intake.free_port()
    consumers = [
        subprocess.Popen(
            [PY, "manage.py", "run_huey", "--workers", str(args.consumer_threads)],
            cwd=ROOT,
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=(out / f"huey-{n}.log").open("w"),
        )
        for n in range(args.consumers)
    ]
    server = None
    try:
        server = side.serve(
            [str(Path(PY).parent / "gunicorn"), "stroydesk.wsgi", "--timeout", "60"],
            cwd=ROOT,
            env=env(),
            port=port,
            probe="/healthz",
            workers=args.workers,
        )
        cookies = {}
        for names in accounts.values():
            for name in names:
                header = side.login(port, "/accounts/login/", name)["Cookie"]
                cookies[name] = dict(pair.split("=", 1) for pair in header.split("; "))
        print(
            f"load benchmark — PostgreSQL + Redis, gunicorn {args.workers} sync workers, "
            f"{args.consumers} Huey consumer(s) × {args.consumer_threads} threads, "
            f"{os.cpu_count()} CPUs (locust on the same machine), slow = {args.slow_ms} ms, "
            f"load average before {os.getloadavg()[0]:.1f}",
            flush=True,
        )

        # Each worker loads its models (dictionaries, search, routing) on first use: not
        # counted.
        run_locust(port, 6, 20, fresh_plan(accounts, cookies), args.slow_ms, out)

        def holds(users: int) -> bool:
            kinds = run_locust(
                port, users, args.step_seconds, fresh_plan(accounts, cookies), args.slow_ms, out
            )
            total = kinds["Aggregated"]
            ok = total["failures"] == 0
            print(
                f"  step {users:>5} people: {total['rate']:7.1f} req/s, p95 {total['p95']:6.0f} "
                f"ms, errors {total['failures']:<5} {'holds' if ok else 'does not hold'}",
                flush=True,
            )
            return ok

        users = args.users
        if not users:
            good, bad = 0, 0
            step = args.start_users
            while step <= args.max_users:
                if not holds(step):
                    bad = step
                    break
                good, step = step, step * 2
            if bad and good and bad - good > good // 4:
                middle = (good + bad) // 2
                if holds(middle):
                    good = middle
            if not good:
                print(f"  not even {args.start_users} people held: lower --start-users")
                return 1
            users = good
        seconds = args.minutes * 60
        print(
            f"\n{users} people for {seconds:.0f} s (load average before {os.getloadavg()[0]:.1f}):",
            flush=True,
        )
        kinds = run_locust(port, users, seconds, fresh_plan(accounts, cookies), args.slow_ms, out)
        print_kinds(kinds)
        bare = intake.report(
            "GET /healthz (bare, 8 clients)",
            intake.loadgen.load(port, intake.loadgen.Call("/healthz"), seconds=15),
        )
        total = kinds["Aggregated"]
        print(
            f"  mixed load / bare view: {total['rate'] / bare * 100:.1f} % of the bare view's "
            f"rate, with {users} people"
        )
        if total["failures"]:
            print(f"  the long run had {total['failures']} errors: see {out}")
    finally:
        # SIGTERM: gunicorn's graceful stop; SIGINT: Huey's consumer finishes its jobs and stops.
        stopping = [(server, signal.SIGTERM)] if server is not None else []
        stopping += [(consumer, signal.SIGINT) for consumer in consumers]
        for process, how in stopping:
            process.send_signal(how)
        for process, _how in stopping:
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        import redis

        queue = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for key in queue.scan_iter(f"*{HUEY_NAME.replace('-', '')}*"):
            queue.delete(key)
        for key in queue.scan_iter(f"*{HUEY_NAME}*"):
            queue.delete(key)
        admin_sql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
