"""How fast the statistics answer: the yearly summary at 1M and 10M requests on PostgreSQL.

Fills a separate database (``stroydesk_stats_bench``, dropped and created anew unless
``--reuse``) with N requests of 2021 and their history and escalations, written by SQL
(``INSERT … SELECT generate_series``, foreign-key triggers off for the load) in the shape the
services write them: register, take, escalate, the authority's answer 0–4 working days later
(some later than due), answer, reopen, close. The statistics facts are then derived by SQL too
(the production derivation in Python reads ~5,000 requests a second, which would take the 10M
run most of an hour) and checked against the production ``derive_facts`` on a sample; the
rollups are summed by the production ``rollups_resum``. Then, for each size, the yearly summary
(``selectors.yearly([2021])``) and the year's report by month are timed from the rollups and
from the raw tables (``stats.raw.RawSource``), and their figures compared.

    .venv/bin/python benchmarks/stats.py                          # 1M, then 10M (same database)
    .venv/bin/python benchmarks/stats.py --sizes 200000           # a quick run
    .venv/bin/python benchmarks/stats.py --reuse --sizes 1000000  # time again, no reload
    .venv/bin/python benchmarks/stats.py --generate               # the demo generator, full years,
                                                                  # through the services (SQLite)
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This folder holds other benchmarks whose names may shadow the standard library (queue.py).
sys.path[0] = str(ROOT)
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "stroydesk_stats_bench"
CHUNK = 1_000_000


def scratch_dir(prefix: str) -> str:
    """A temporary folder removed when the benchmark ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("STROYDESK_VAR_DIR", scratch_dir("stats-bench-"))
    os.environ.setdefault("HUEY_IMMEDIATE", "1")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    os.environ["DJANGO_SETTINGS_MODULE"] = "stroydesk.settings"
    import django

    django.setup()


def timed(label: str):
    class Timer:
        def __enter__(self):
            self.start = time.perf_counter()
            print(f"  {label} …", end="", flush=True)
            return self

        def __exit__(self, *exc):
            self.seconds = time.perf_counter() - self.start
            print(f" {self.seconds:.1f} s", flush=True)

    return Timer()


# --- The PostgreSQL benchmark ---------------------------------------------------------------


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
        c.execute(f"CREATE DATABASE {PG_BENCH_DB}")


def prepare_schema() -> dict[str, int]:
    """Migrate, seed the directory, make the two staff users; the helper tables of the load."""
    from django.core.management import call_command
    from django.db import connection

    from stroydesk.accounts.models import User
    from stroydesk.accounts.services import user_create
    from stroydesk.directory.models import Authority, Topic
    from stroydesk.directory.selectors import topic_competent_authorities
    from stroydesk.directory.services import directory_seed
    from stroydesk.workcalendar import selectors as workdays

    call_command("migrate", verbosity=0)
    directory_seed()
    operator = User.objects.filter(username="bench-operator").first() or user_create(
        username="bench-operator", password="bench-pass-1", role="operator"
    )
    admin = User.objects.filter(username="bench-admin").first() or user_create(
        username="bench-admin", password="bench-pass-1", role="admin"
    )
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_topic (idx int primary key, topic_id int, "
            "authority_id int)"
        )
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_day (day date primary key, due_at timestamptz, "
            "ordinal int)"
        )
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_after (day date, k int, target date, "
            "primary key (day, k))"
        )
        cur.execute("TRUNCATE bench_topic, bench_day, bench_after")
        topics = list(Topic.objects.filter(parent__isnull=False).order_by("pk"))
        rows = []
        for idx, topic in enumerate(topics):
            authorities = topic_competent_authorities(topic=topic)
            rows.append((idx, topic.pk, authorities[0].pk if authorities else None))
        cur.executemany("INSERT INTO bench_topic VALUES (%s, %s, %s)", rows)
        day, ordinal, days, after = date(2020, 12, 1), 0, [], []
        while day <= date(2022, 2, 28):
            ordinal += workdays.is_working_day(day)
            due = workdays.answer_due(workdays.start_of_day(day) + timedelta(hours=12))
            days.append((day, due, ordinal))
            if day <= date(2022, 1, 31):
                after += [(day, k, workdays.add_working_days(day, k)) for k in range(11)]
            day += timedelta(days=1)
        cur.executemany("INSERT INTO bench_day VALUES (%s, %s, %s)", days)
        cur.executemany("INSERT INTO bench_after VALUES (%s, %s, %s)", after)
    assert Authority.objects.exists()
    return {"operator": operator.pk, "admin": admin.pk, "topics": len(topics)}


def load_requests(first: int, last: int, span: tuple[int, int], ids: dict[str, int]) -> None:
    """Requests first..last, their history and escalations.

    ``span`` = (first number, count) of the batch these belong to, which is spread evenly over
    2021, so that every size of the benchmark is a whole year.
    """
    span_first, total = span
    from django.db import connection

    op, admin, topics = ids["operator"], ids["admin"], ids["topics"]
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no FK triggers for the load
        cur.execute("SELECT setseed(%s)", [(first % 1000) / 1000])
        cur.execute("DROP TABLE IF EXISTS bench_plan")
        cur.execute(
            f"""
            CREATE UNLOGGED TABLE bench_plan AS
            WITH g AS (
              SELECT n, random() r_ch, random() r_topic, random() r_esc, random() r_k,
                     random() r_late, random() r_close, random() r_reopen, random() r_kind,
                     random() r_t1, random() r_t2, random() r_t3, random() r_t4
              FROM generate_series({first}, {last}) n
            ), p AS (
              SELECT g.*, t.topic_id, t.authority_id AS topic_authority,
                timestamptz '2021-01-01 00:00:00+03'
                  + ((n - {span_first} + r_t1) / {total}::float8) * interval '365 days'
                  AS registered_at,
                CASE WHEN r_ch < .48 THEN 'portal' WHEN r_ch < .68 THEN 'email'
                     WHEN r_ch < .90 THEN 'phone' WHEN r_ch < .93 THEN 'api'
                     WHEN r_ch < .98 THEN 'in_person' ELSE 'open311' END AS channel
              FROM g JOIN bench_topic t ON t.idx = floor(r_topic * {topics})::int
            ), q AS (
              SELECT p.*, registered_at + r_t2 * interval '3 hours' AS take_at,
                (topic_authority IS NOT NULL AND r_esc < .36) AS esc,
                CASE WHEN r_late < .1 THEN 5 + floor(r_k * 6)::int ELSE floor(r_k * 5)::int END AS k
              FROM p
            ), e AS (
              SELECT q.*, take_at + r_t3 * interval '4 hours' AS esc_at FROM q
            ), a AS (
              SELECT e.*, d.due_at,
                greatest(e.esc_at + interval '20 minutes',
                  (af.target::timestamp + interval '9 hours' + r_t4 * interval '9 hours')
                  AT TIME ZONE 'Europe/Moscow') AS auth_at
              FROM e
              JOIN bench_day d ON d.day = (e.esc_at AT TIME ZONE 'Europe/Moscow')::date
              JOIN bench_after af ON af.day = d.day AND af.k = e.k
            )
            SELECT n, channel, topic_id, registered_at, take_at, esc, esc_at, due_at, auth_at,
              CASE WHEN esc THEN topic_authority END AS authority_id,
              CASE WHEN esc THEN auth_at + r_t2 * interval '6 hours'
                   ELSE take_at + r_t3 * interval '20 hours' END AS answer_at,
              r_reopen < .03 AS reopened, r_close < .75 AS closed, r_kind < .12 AS developer
            FROM a
            """
        )
        cur.execute(
            f"""
            INSERT INTO accounts_applicant (kind, full_name, email, phone, organisation_name, inn,
                                            ogrn, created_at)
            SELECT CASE WHEN n % 8 = 0 THEN 'developer' ELSE 'resident' END, 'Заявитель ' || n,
                   'bench' || n || '@example.ru', '',
                   CASE WHEN n % 8 = 0 THEN 'ООО «Стройка ' || n || '»' ELSE '' END,
                   CASE WHEN n % 8 = 0 THEN '7707083893' ELSE '' END,
                   CASE WHEN n % 8 = 0 THEN '1027700132195' ELSE '' END, now()
            FROM generate_series(1, {max(1, (last - first + 1) // 10)}) n
            """
        )
        cur.execute("SELECT min(id), max(id) FROM accounts_applicant WHERE kind = 'resident'")
        lo, hi = cur.fetchone()
        cur.execute("SELECT min(id), max(id) FROM accounts_applicant WHERE kind = 'developer'")
        dlo, dhi = cur.fetchone()
        cur.execute(
            f"""
            INSERT INTO cases_request (id, number, year, sequence, applicant_id, channel, topic_id,
              subject, text, address, cadastral_number, status, paused_status, operator_id,
              authority_id, due_at, registered_at, answered_at, closed_at, created_by_id, version,
              updated_at)
            SELECT n, 'ЕКЦ-2021-' || lpad(n::text, 8, '0'), 2021, n,
              CASE WHEN developer THEN {dlo} + n % ({dhi} - {dlo} + 1)
                   ELSE {lo} + n % ({hi} - {lo} + 1) END,
              channel, topic_id, 'Вопрос', 'Текст вопроса', '', '',
              CASE WHEN closed THEN 'closed' ELSE 'answered' END, '', {op}, authority_id,
              CASE WHEN esc THEN due_at END, registered_at,
              CASE WHEN reopened THEN answer_at + interval '30 hours' ELSE answer_at END,
              CASE WHEN closed THEN answer_at + interval '50 hours' END, NULL, 1, now()
            FROM bench_plan
            """
        )
        steps = [
            ("register", "registered_at", "NULL", "''", "'registered'", "true"),
            ("take", "take_at", str(op), "'registered'", "'in_progress'", "true"),
            ("escalate", "esc_at", str(op), "'in_progress'", "'escalated'", "true"),
            ("authority_answer", "auth_at", str(admin), "'escalated'", "'under_review'", "false"),
            ("answer", "answer_at", str(op), "'in_progress'", "'answered'", "true"),
            (
                "reopen",
                "answer_at + interval '20 hours'",
                str(op),
                "'answered'",
                "'in_progress'",
                "true",
            ),
            (
                "answer",
                "answer_at + interval '30 hours'",
                str(op),
                "'in_progress'",
                "'answered'",
                "true",
            ),
            ("close", "answer_at + interval '50 hours'", str(op), "'answered'", "'closed'", "true"),
        ]
        conditions = {2: "esc", 3: "esc", 5: "reopened", 6: "reopened", 7: "closed"}
        for index, (action, at, actor, source, target, public) in enumerate(steps):
            where = f"WHERE {conditions[index]}" if index in conditions else ""
            cur.execute(
                f"""
                INSERT INTO cases_history (request_id, at, actor_id, action, from_status,
                  to_status, comment, data, is_public)
                SELECT n, {at}, {actor}, '{action}', {source}, {target}, '', '{{}}', {public}
                FROM bench_plan {where} ORDER BY n
                """
            )
        cur.execute(
            f"""
            INSERT INTO cases_escalation (request_id, authority_id, status, question,
              escalated_by_id, escalated_at, due_at, paused_at, paused_working_days, answered_at,
              answered_by_id, closing_reason, reminder_sent_at, overdue_alerted_at)
            SELECT n, authority_id, 'answered', '', {op}, esc_at, due_at, NULL, 0, auth_at,
              {admin}, '', NULL, NULL
            FROM bench_plan WHERE esc ORDER BY n
            """
        )
        cur.execute("SELECT setval('cases_request_id_seq', (SELECT max(id) FROM cases_request))")
        cur.execute("DROP TABLE bench_plan")
        cur.execute("SET session_replication_role = DEFAULT")


def derive_facts_by_sql(first: int, last: int) -> None:
    """The statistics facts of requests first..last, by SQL (same rules as derive_facts)."""
    from django.db import connection

    msk = "AT TIME ZONE 'Europe/Moscow'"
    with connection.cursor() as cur:
        for lo in range(first, last + 1, CHUNK):
            hi = min(lo + CHUNK - 1, last)
            cur.execute(
                f"""
                INSERT INTO stats_requestfact (request_id, channel, topic_id, authority_id,
                  applicant_kind, registered_on, escalated, answered_on, closed_on, reopened,
                  first_contact)
                SELECT r.id, r.channel, coalesce(r.topic_id, 0), coalesce(r.authority_id, 0),
                  a.kind, (r.registered_at {msk})::date, e.request_id IS NOT NULL,
                  (h.first_answer {msk})::date, (h.first_close {msk})::date,
                  coalesce(h.reopened, false),
                  h.first_answer IS NOT NULL AND e.request_id IS NULL
                    AND NOT coalesce(h.reopened, false)
                FROM cases_request r JOIN accounts_applicant a ON a.id = r.applicant_id
                LEFT JOIN (
                  SELECT request_id, min(at) FILTER (WHERE action = 'answer') AS first_answer,
                    min(at) FILTER (WHERE action = 'close') AS first_close,
                    bool_or(action = 'reopen') AS reopened
                  FROM cases_history
                  WHERE request_id BETWEEN {lo} AND {hi}
                    AND action IN ('answer', 'close', 'reopen')
                  GROUP BY request_id
                ) h ON h.request_id = r.id
                LEFT JOIN (
                  SELECT DISTINCT request_id FROM cases_escalation
                  WHERE request_id BETWEEN {lo} AND {hi}
                ) e ON e.request_id = r.id
                WHERE r.id BETWEEN {lo} AND {hi}
                """
            )
            cur.execute(
                f"""
                INSERT INTO stats_escalationfact (escalation_id, request_id, channel, topic_id,
                  authority_id, applicant_kind, due_on, met, answered_on, answer_days)
                SELECT x.id, x.request_id, r.channel, coalesce(r.topic_id, 0), x.authority_id,
                  a.kind,
                  CASE WHEN x.status IN ('open', 'answered') AND x.paused_at IS NULL
                       THEN (x.due_at {msk})::date END,
                  x.status IN ('open', 'answered') AND x.paused_at IS NULL
                    AND x.answered_at IS NOT NULL AND x.answered_at <= x.due_at,
                  CASE WHEN x.status = 'answered' THEN (x.answered_at {msk})::date END,
                  CASE WHEN x.status = 'answered' THEN greatest(0, da.ordinal - de.ordinal) END
                FROM cases_escalation x
                JOIN cases_request r ON r.id = x.request_id
                JOIN accounts_applicant a ON a.id = r.applicant_id
                JOIN bench_day de ON de.day = (x.escalated_at {msk})::date
                LEFT JOIN bench_day da ON da.day = (x.answered_at {msk})::date
                WHERE x.request_id BETWEEN {lo} AND {hi}
                """
            )
        cur.execute("ANALYZE stats_requestfact")
        cur.execute("ANALYZE stats_escalationfact")


def check_facts_sample(first: int, last: int) -> int:
    """The SQL facts of a sample equal what the production derive_facts says."""
    from stroydesk.stats.models import EscalationFact, RequestFact
    from stroydesk.stats.services import (
        ESCALATION_FACT_FIELDS,
        REQUEST_FACT_FIELDS,
        derive_facts,
    )

    step = max(1, (last - first) // 2000)
    ids = list(range(first, last + 1, step))
    requests, escalations, _ratings = derive_facts(ids)
    stored = {
        row[0]: tuple(row[1:])
        for row in RequestFact.objects.filter(request_id__in=ids).values_list(
            "request_id", *REQUEST_FACT_FIELDS
        )
    }
    stored_esc = {
        row[0]: tuple(row[1:])
        for row in EscalationFact.objects.filter(request_id__in=ids).values_list(
            "escalation_id", *ESCALATION_FACT_FIELDS
        )
    }
    assert stored == requests, "SQL request facts differ from derive_facts"
    assert stored_esc == escalations, "SQL escalation facts differ from derive_facts"
    return len(ids)


def resum_rollups() -> None:
    from django.db import transaction

    from stroydesk.stats.services import _lock_state, rollups_resum

    day = date(2021, 1, 1)
    while day <= date(2022, 2, 28):
        last = min(day + timedelta(days=61), date(2022, 2, 28))
        with transaction.atomic():
            _lock_state()
            rollups_resum(day, last)
        day = last + timedelta(days=1)


def time_reports(size: int, repeat: int, raw_by_month_max: int) -> dict[str, float]:
    from django.db import connection

    from stroydesk.stats.periods import period_of
    from stroydesk.stats.raw import RawSource
    from stroydesk.stats.selectors import ReportQuery, RollupSource, build_report, yearly

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    results = {}
    year = period_of("year", date(2021, 6, 1))
    today = date(2022, 6, 1)
    cases = {
        "yearly summary": lambda source: yearly([2021], source=source)[0],
        "year by month": lambda source: build_report(
            ReportQuery(period=year, group_by="month"), source, today=today
        ).as_dict()["groups"],
    }
    for name, run in cases.items():
        fast = []
        for _ in range(repeat):
            start = time.perf_counter()
            rollup_figures = run(RollupSource())
            fast.append(time.perf_counter() - start)
        best = statistics.median(fast)
        results[name] = best
        line = (
            f"  {size:>10,} requests  {name:<15} rollups {best * 1000:7.0f} ms (median of {repeat})"
        )
        if name != "yearly summary" and size > raw_by_month_max:
            print(f"{line}   raw: not run above {raw_by_month_max:,} requests", flush=True)
            continue
        start = time.perf_counter()
        raw_figures = run(RawSource())
        slow = time.perf_counter() - start
        same = "same figures" if rollup_figures == raw_figures else "FIGURES DIFFER"
        print(
            f"{line}   raw {slow:7.1f} s   rollup/raw {best / slow:.2g} "
            f"({slow / best:,.0f}× faster)  [{same}]",
            flush=True,
        )
    return results


def postgres(sizes: list[int], reuse: bool, repeat: int, raw_by_month_max: int) -> None:
    if not reuse:
        recreate_database()
    setup_django(f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}")
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'cases_request'")
        have_tables = cur.fetchone()[0] == 1
    loaded = 0
    if reuse and have_tables:
        with connection.cursor() as cur:
            cur.execute("SELECT coalesce(max(id), 0) FROM cases_request")
            loaded = cur.fetchone()[0]
        print(f"reusing {PG_BENCH_DB} with {loaded:,} requests")
    ids = prepare_schema()
    from stroydesk.stats.models import DailyRollup, MonthlyRollup

    if loaded and DailyRollup.objects.exists() and not MonthlyRollup.objects.exists():
        with timed("sum the rollups again (the monthly level is new)"):
            resum_rollups()
    for size in sorted(sizes):
        if size > loaded:
            print(f"\n{size:,} requests of 2021 in {PG_BENCH_DB}:")
            with timed(f"load requests {loaded + 1:,}–{size:,} with history and escalations"):
                for lo in range(loaded + 1, size + 1, CHUNK):
                    load_requests(lo, min(lo + CHUNK - 1, size), (loaded + 1, size - loaded), ids)
            with timed("derive the statistics facts by SQL"):
                derive_facts_by_sql(loaded + 1, size)
            with timed("check a sample against the production derive_facts"):
                checked = check_facts_sample(loaded + 1, size)
            print(f"    {checked} requests checked: same facts")
            with timed("sum the rollups (production rollups_resum, Jan 2021 – Feb 2022)"):
                resum_rollups()
            loaded = size
        with connection.cursor() as cur:
            cur.execute(
                "SELECT (SELECT count(*) FROM cases_history), (SELECT count(*) FROM "
                "stats_dailyrollup), pg_size_pretty(pg_database_size(current_database()))"
            )
            history, rollup_rows, db_size = cur.fetchone()
        print(
            f"  {history:,} history entries; {rollup_rows:,} daily rollup rows; database {db_size}"
        )
        time_reports(size, repeat, raw_by_month_max)
    print(
        f"\n{PG_BENCH_DB} is kept for --reuse; drop it with "
        f"`psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE {PG_BENCH_DB}'`"
    )


# --- The demo generator through the services ------------------------------------------------


def generate(db: str) -> None:
    if db == "postgres":
        name = "stroydesk_stats_generate"
        import psycopg

        with psycopg.connect(
            PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True
        ) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name}")
            c.execute(f"CREATE DATABASE {name}")
        setup_django(f"postgres://postgres@127.0.0.1:5432/{name}")
    else:
        path = Path(scratch_dir("stats-generate-")) / "db.sqlite3"
        setup_django(f"sqlite:///{path}")
    from django.core.management import call_command

    from stroydesk.stats.generator import generate_history
    from stroydesk.stats.selectors import yearly

    call_command("migrate", verbosity=0)
    print(f"demo history through the services on {db}:")
    for year, count in ((2020, 31623), (2021, 34744)):
        result = generate_history(year=year, count=count, seed=1)
        print(
            f"  {year}: {result.created:,} requests, {result.service_calls:,} service calls in "
            f"{result.seconds:.0f} s ({1000 * result.seconds / result.created:.1f} ms per request, "
            f"{1000 * result.seconds / result.service_calls:.2f} ms per call, incl. the refresh)"
        )
    for row in yearly([2020, 2021]):
        print(
            f"  yearly report {row['year']}: received {row['received']:,}, "
            f"change {row['yoy_percent']}%, escalated {row['escalated_percent']}%, "
            f"4-day promise {row['sla_percent']}%, rating {row['csat_average']}"
        )
    if db == "postgres":
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(
            PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True
        ) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated")
    parser.add_argument("--reuse", action="store_true", help=f"keep what {PG_BENCH_DB} has")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each rollup report")
    parser.add_argument(
        "--raw-by-month-max",
        type=int,
        default=1_000_000,
        help="time the raw report by month only up to this many requests (it is 12 raw years)",
    )
    parser.add_argument("--generate", action="store_true", help="time the demo generator")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    if args.generate:
        generate(args.db)
    else:
        sizes = [int(s) for s in args.sizes.split(",")]
        postgres(sizes, args.reuse, args.repeat, args.raw_by_month_max)
    return 0


if __name__ == "__main__":
    sys.exit(main())
