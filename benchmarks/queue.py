"""How long the operator's queue page and the API's list take at 1,000,000 and 10,000,000
requests (PostgreSQL).

Creates a separate database at 127.0.0.1, migrates it, seeds the directory, and loads N requests
(default 1,000,000) and their applicants, spread as a contact center that has run for years
looks: nearly all closed, about 2 % open (most of them recent), escalated ones with due dates
around today. Up to 5,000,000 rows are made in Python and COPYed into ``stroydesk_bench_queue``
(dropped at the end unless --keep; --reuse skips the loading next time); from 5,000,000 (or with
--fill sql) PostgreSQL makes them itself with generate_series (benchmarks/queue_fill.py), into a
database named by the size (``stroydesk_bench_queue_10m``), kept and reused by the next run.
--history adds a history entry per request (the queue's rows show their last event).

Then it renders each saved view of the queue (and its next page) and the REST API's list of
requests (and its next page) through Django's full request cycle — middleware, session, the
views' queries, templates or serializers — many times, and prints the median and the 95th
percentile, the plans of the page's SQL, and EXPLAIN (ANALYZE, BUFFERS) in full for the queue's
main query and the API list's.

    .venv/bin/python benchmarks/queue.py                 # 1,000,000 requests
    .venv/bin/python benchmarks/queue.py --rows 10000000 --history   # filled once, then reused
    .venv/bin/python benchmarks/queue.py --rows 1000000 --fill sql --history   # the same shape
    .venv/bin/python benchmarks/queue.py --rows 200000 --repeat 50
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

# This file's name shadows the standard library's ``queue`` (which psycopg imports): take the
# benchmarks folder off the import path before psycopg or Django is imported.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "stroydesk_bench_queue"
ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"

# Open statuses per million requests; everything else is answered or closed.
OPEN_PER_MILLION = {
    "registered": 4000,
    "in_progress": 9000,
    "waiting_applicant": 1500,
    "escalated": 5000,
    "under_review": 1500,
}
OPERATORS = 60
RARE_LEMMAS = ""
# Texts of the requests: a common word («разрешение», in a fifth of them), and a rare one
# («склад», in 1 %), so that the search cases show both ends.
TEXTS = [
    "Текст вопроса заявителя о разрешении на строительство.",
    "Когда закончат реконструкцию дороги у нашего дома?",
    "Прошу проверить шум от стройки по ночам.",
    "Как узнать застройщика участка рядом со школой?",
    "Будет ли снесён гараж во дворе по программе реновации?",
]
RARE_TEXT = "Нужно ли разрешение на строительство склада на своём участке?"
NEXT_CURSOR = re.compile(r'rel="next" href="[^"]*cursor=([A-Za-z0-9_-]+)"')
ROW_LINK = b'<a href="/desk/requests/'


def admin_execute(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql)


def database_exists() -> bool:
    import psycopg

    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
    return row is not None


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    os.environ.setdefault("STROYDESK_DEMO", "1")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("HUEY_IMMEDIATE", "1")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "stroydesk.settings"
    import django

    django.setup()


def prepare() -> tuple[list[int], list[int], list[int]]:
    """Migrate, seed the directory, make the operators; their, the topics' and authorities' ids."""
    from django.core.management import call_command

    from stroydesk.accounts.services import user_create
    from stroydesk.cases.search import search_text_for
    from stroydesk.directory.models import Authority, Topic
    from stroydesk.directory.services import directory_seed

    global RARE_LEMMAS
    RARE_LEMMAS = search_text_for(subject="Вопрос о строительстве", text=RARE_TEXT)
    call_command("migrate", verbosity=0)
    directory_seed()
    operators = [
        user_create(
            username=f"bench-op-{n}", password="bench-pass-1", role="operator", last_name=f"Оп{n}"
        ).pk
        for n in range(OPERATORS)
    ]
    topics = list(Topic.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    authorities = list(Authority.objects.values_list("pk", flat=True))
    return operators, topics, authorities


def load(rows: int, seed: int) -> None:
    """Migrate, seed the directory and COPY the applicants and requests in."""
    from django.db import connection

    from stroydesk.accounts.models import Applicant
    from stroydesk.cases.models import Request
    from stroydesk.cases.search import search_text_for

    operators, topics, authorities = prepare()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    applicants = max(rows // 5, 1)

    started = time.perf_counter()
    with connection.cursor() as cursor:
        table = Applicant._meta.db_table
        buffer = io.StringIO()
        for n in range(applicants):
            created = (now - timedelta(days=3650 * (applicants - n) / applicants)).isoformat()
            buffer.write(
                f"resident\t\\N\tЗаявитель {n}\tbench{n}@example.ru\t+7495{n:07d}\t\t\t\t"
                f"{created}\n"
            )
        buffer.seek(0)
        columns = "kind, user_id, full_name, email, phone, organisation_name, inn, ogrn, created_at"
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(buffer.read())
        cursor.execute(f"SELECT min(id) FROM {table}")
        first_applicant = cursor.fetchone()[0]

        # Which rows are open: the newest ones mostly (open requests are recent), some old.
        open_rows: dict[int, str] = {}
        for status, per_million in OPEN_PER_MILLION.items():
            count = max(1, per_million * rows // 1_000_000)
            for _ in range(count):
                recent = rng.random() < 0.9
                index = (
                    rows - 1 - int(rng.random() * min(rows, 60_000))
                    if recent
                    else rng.randrange(rows)
                )
                open_rows[index] = status

        table = Request._meta.db_table
        columns = [
            "number",
            "year",
            "sequence",
            "applicant_id",
            "channel",
            "topic_id",
            "subject",
            "text",
            "address",
            "cadastral_number",
            "status",
            "paused_status",
            "operator_id",
            "authority_id",
            "due_at",
            "registered_at",
            "answered_at",
            "closed_at",
            "created_by_id",
            "version",
            "updated_at",
            "search_text",
        ]
        # The lemmas of each text, computed once: the words repeat, only the numbers differ.
        lemmas_of = {t: search_text_for(subject="Вопрос о строительстве", text=t) for t in TEXTS}
        channels = ["portal"] * 5 + ["email"] * 3 + ["phone"] * 2 + ["api", "open311"]
        sequences: dict[int, int] = {}
        span = timedelta(days=3650)
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for n in range(rows):
                registered = now - span * ((rows - n) / rows)
                year = registered.year
                sequences[year] = sequences.get(year, 0) + 1
                status = open_rows.get(n, "closed" if rng.random() < 0.9 else "answered")
                operator = "\\N" if status == "registered" else str(rng.choice(operators))
                escalated_once = status in {"escalated", "under_review"} or (
                    status in {"closed", "answered"} and rng.random() < 0.6
                )
                authority = str(rng.choice(authorities)) if escalated_once else "\\N"
                due = "\\N"
                if status in {"escalated", "under_review"}:
                    due = (now + timedelta(days=rng.uniform(-3, 6))).isoformat()
                elif escalated_once:
                    due = (registered + timedelta(days=6)).isoformat()
                answered = (
                    (registered + timedelta(days=5)).isoformat()
                    if status in {"closed", "answered"}
                    else "\\N"
                )
                closed = (
                    (registered + timedelta(days=8)).isoformat() if status == "closed" else "\\N"
                )
                text = TEXTS[n % len(TEXTS)] if n % 100 else RARE_TEXT
                lemmas = lemmas_of[text] if n % 100 else RARE_LEMMAS
                values = [
                    f"ЕКЦ-{year}-{sequences[year]:06d}",
                    str(year),
                    str(sequences[year]),
                    str(first_applicant + rng.randrange(applicants)),
                    rng.choice(channels),
                    str(rng.choice(topics)),
                    f"Вопрос о строительстве №{n}",
                    text,
                    "",
                    "",
                    status,
                    "",
                    operator,
                    authority,
                    due,
                    registered.isoformat(),
                    answered,
                    closed,
                    "\\N",
                    "1",
                    registered.isoformat(),
                    f"{lemmas}{n} ",
                ]
                copy.write("\t".join(values) + "\n")
        # As autovacuum would have by now: statistics and the visibility map (index-only scans).
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(f"VACUUM ANALYZE {Applicant._meta.db_table}")
    print(
        f"loaded {rows:,} requests and {applicants:,} applicants in "
        f"{time.perf_counter() - started:.1f} s"
    )


def measure(repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from stroydesk.accounts.models import User
    from stroydesk.cases.models import Request
    from stroydesk.portal.selectors import QUEUE_VIEWS

    operator = User.objects.get(username="bench-op-0")
    client = Client()
    client.force_login(operator)
    total = Request.objects.count()
    print(
        f"\nqueue page, server side (Django test client, full middleware + templates), "
        f"{total:,} requests, {repeat} runs each"
    )
    print(f"{'view':<28}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'rows':>6}")
    cases = [(v, "new") for v in QUEUE_VIEWS if v != "all"]
    cases += [("escalated", "due"), ("open", "due"), ("open", "old")]
    for view, sort in cases:
        url = f"/desk/?view={view}&sort={sort}"
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        found = NEXT_CURSOR.search(response.content.decode())
        next_url = f"{url}&cursor={found.group(1)}" if found else None
        for label, target in [(f"{view} ({sort})", url), ("  next page", next_url)]:
            if target is None:
                continue
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(target)
                timings.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(target)
            timings.sort()
            p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
            print(
                f"{label:<28}{statistics.median(timings):>10.1f}{p95:>10.1f}"
                f"{len(captured.captured_queries):>9}{response.content.count(ROW_LINK):>6}"
            )
    for label, view, query in search_cases():
        url = f"/desk/?{urlencode({'view': view, 'q': query})}"
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(
            f"{label:<28}{statistics.median(timings):>10.1f}"
            f"{timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]:>10.1f}"
            f"{'':>9}{response.content.count(ROW_LINK):>6}"
        )
    measure_api(client, repeat)
    baseline = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get("/healthz")
        baseline.append((time.perf_counter() - started) * 1000)
    print(f"{'/healthz (bare Django)':<28}{statistics.median(baseline):>10.1f}")


API_CASES = [
    ("API list", "/api/v1/requests/"),
    ("API list, status=escalated", "/api/v1/requests/?status=escalated"),
    ("API list, channel=phone", "/api/v1/requests/?channel=phone"),
]


def timings_of(client, url: str, repeat: int) -> tuple[float, float, object]:
    """Median and p95 (ms) of ``repeat`` GETs, and the last response."""
    timings = []
    response = None
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, response


def measure_api(client, repeat: int) -> None:
    """The REST API's list of requests (cursor pages of 50, newest first) and its next page."""
    for label, url in API_CASES:
        first = client.get(url)
        assert first.status_code == 200, first.status_code
        following = first.json().get("next")
        cases = [(label, url)]
        if following:
            cases.append(("  next page", following.split("testserver", 1)[-1]))
        for name, target in cases:
            median, p95, response = timings_of(client, target, repeat)
            rows = len(response.json()["results"])
            print(f"{name:<28}{median:>10.1f}{p95:>10.1f}{'':>9}{rows:>6}")


def full_plans() -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the queue's main query and of the API list's, in full."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from stroydesk.accounts.models import User
    from stroydesk.portal import selectors

    operator = User.objects.get(username="bench-op-0")
    qs = selectors.queue_order(
        selectors.queue_queryset(user=operator, view="open", now=timezone.now()), sort="new"
    )[: selectors.PAGE_SIZE + 1]
    queue_sql, queue_params = qs.query.sql_with_params()
    client = Client()
    client.force_login(operator)
    with CaptureQueriesContext(connection) as captured:
        client.get("/api/v1/requests/")
    api_sql = next(
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "cases_request"' in q["sql"] and "LIMIT" in q["sql"]
    )
    for label, sql, params in [
        ("the queue's main query (open requests, newest first)", queue_sql, queue_params),
        ("the API list query (GET /api/v1/requests/)", api_sql, None),
    ]:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) — {label}:")
        print("\n".join(f"    {line}" for line in plan))


def search_cases() -> list[tuple[str, str, str]]:
    """(label, view, query) of the searches an operator types: numbers, words, applicants."""
    from stroydesk.cases.models import Request

    escalated = Request.objects.filter(status="escalated").order_by("id").first()
    closed = Request.objects.filter(status="closed").order_by("id").first()
    return [
        ("search: full number", "open", escalated.number),
        ("search: number lower case", "all", closed.number.lower()),
        ("search: «000301»-style", "all", f"{closed.sequence:06d}"),
        ("search: «301»-style", "open", str(escalated.sequence)),
        ("search: common word, open", "open", "РАЗРЕШЕНИЯ"),
        ("search: common word, all", "all", "разрешением"),
        ("search: rare word, all", "all", "склады"),
        ("search: two words, open", "open", "шум стройки"),
        ("search: word part, all", "all", "реконструк"),
        ("search: no such word, all", "all", "эскроу"),
        ("search: applicant name", "all", "Заявитель 123"),
        ("search: applicant e-mail", "all", "bench4242@example.ru"),
        ("search: applicant phone", "all", "8 (495) 000-42-42"),
    ]


def explain() -> None:
    """The plans of the queue's SQL for the default view and the counts."""
    from django.db import connection
    from django.utils import timezone

    from stroydesk.accounts.models import User
    from stroydesk.portal import selectors

    operator = User.objects.get(username="bench-op-0")
    now = timezone.now()
    print("\nquery plans (EXPLAIN ANALYZE):")
    cases = [
        (v, "new") for v in ["open", "mine", "unassigned", "escalated", "questions", "due_today"]
    ]
    cases += [("overdue", "new"), ("escalated", "due"), ("open", "due"), ("open", "old")]
    for view, sort in cases:
        qs = selectors.queue_order(
            selectors.queue_queryset(user=operator, view=view, now=now), sort=sort
        )[: selectors.PAGE_SIZE + 1]
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
        scans = [line.strip() for line in plan if "Scan" in line]
        execution = next((line for line in plan if "Execution Time" in line), "")
        label = f"{view} ({sort})"
        print(f"  {label:<16} {execution.strip():<28} {' | '.join(scans)[:140]}")
    from django.core.exceptions import EmptyResultSet
    from django.test.utils import CaptureQueriesContext

    def show(label: str, sql: str, params) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
        scans = [line.strip() for line in plan if "Scan" in line]
        execution = next((line for line in plan if "Execution Time" in line), "")
        print(f"  {label:<28} {execution.strip():<28} {' | '.join(scans)[:200]}")

    for label, view, query in search_cases():
        # The search may first ask which requests hold a rare word, or which applicants match.
        with CaptureQueriesContext(connection) as probes:
            qs = selectors.queue_order(
                selectors.queue_queryset(user=operator, view=view, query=query, now=now),
                sort="new",
            )[: selectors.PAGE_SIZE + 1]
        for probe in probes.captured_queries:
            # Only the lookups themselves: not the transaction's BEGIN/SAVEPOINT/set_config.
            if probe["sql"].startswith("SELECT") and "set_config" not in probe["sql"]:
                show("    (probe)", probe["sql"], None)
        try:
            sql, params = qs.query.sql_with_params()
        except EmptyResultSet:
            print(f"  {label:<28} no query: the probes found nothing")
            continue
        show(label, sql, params)

    with CaptureQueriesContext(connection) as captured:
        selectors.queue_counts(user=operator, now=now)
    # The counts are two queries: over the open requests, and over the authorities' questions.
    for query in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {query['sql']}")
            plan = [row[0] for row in cursor.fetchall()]
        print(
            f"  counts           {next(x for x in plan if 'Execution' in x).strip():<28} "
            f"{' | '.join(line.strip() for line in plan if 'Scan' in line)[:140]}"
        )


def fill_sql(rows: int, seed: int, history: bool) -> None:
    """The same kind of rows as load(), made inside PostgreSQL (benchmarks/queue_fill.py)."""
    import importlib.util

    from stroydesk.cases.search import search_text_for

    spec = importlib.util.spec_from_file_location(
        "queue_fill", ROOT / "benchmarks" / "queue_fill.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    operators, topics, authorities = prepare()
    started = time.perf_counter()
    module.fill(
        rows,
        seed,
        operators=operators,
        topics=topics,
        authorities=authorities,
        texts=TEXTS,
        lemmas=[search_text_for(subject="Вопрос о строительстве", text=t) for t in TEXTS],
        rare_text=RARE_TEXT,
        rare_lemmas=RARE_LEMMAS,
        open_per_million=OPEN_PER_MILLION,
        history=history,
    )
    # The mark that the fill finished: a later run reuses the database only with it.
    admin_execute(f"COMMENT ON DATABASE {BENCH_DB} IS 'filled {rows} history={history}'")
    print(f"filled {rows:,} requests in {time.perf_counter() - started:.0f} s (SQL)")


def filled_mark() -> str:
    import psycopg

    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [BENCH_DB],
        ).fetchone()
    return (row and row[0]) or ""


def main() -> None:
    global BENCH_DB
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20251125)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use a kept database as it is")
    parser.add_argument(
        "--fill",
        choices=["copy", "sql"],
        help="rows made in Python and COPYed, or by SQL in PostgreSQL (default from 5,000,000, "
        "into a database kept for the next run)",
    )
    parser.add_argument(
        "--history", action="store_true", help="with --fill sql: a history entry per request"
    )
    args = parser.parse_args()
    if args.rows < 1000:
        parser.error("--rows must be at least 1000")
    fill = args.fill or ("sql" if args.rows >= 5_000_000 else "copy")

    if fill == "sql":
        # Filled once, kept, reused while it holds what was asked for.
        size = f"{args.rows // 1_000_000}m" if args.rows % 1_000_000 == 0 else str(args.rows)
        BENCH_DB = f"stroydesk_bench_queue_{size}{'_h' if args.history else ''}"
        reuse = filled_mark() == f"filled {args.rows} history={args.history}"
        keep = True
    else:
        reuse = args.reuse and database_exists()
        keep = args.keep
    if reuse:
        print(f"reusing the filled database {BENCH_DB}")
    else:
        admin_execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        admin_execute(f"CREATE DATABASE {BENCH_DB}")
    ok = False
    try:
        setup_django()
        if reuse:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        elif fill == "sql":
            fill_sql(args.rows, args.seed, args.history)
        else:
            load(args.rows, args.seed)
        measure(args.repeat)
        explain()
        full_plans()
        ok = True
    finally:
        from django.db import connections

        connections.close_all()
        if not (keep and ok) and not (fill == "sql" and filled_mark()):
            admin_execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            print(f"\ndropped the database {BENCH_DB}")
        else:
            print(
                f"\nkept the database {BENCH_DB} (reused by the next run; drop it with "
                f"psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE {BENCH_DB}')"
            )


if __name__ == "__main__":
    main()
