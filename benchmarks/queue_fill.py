"""The fast fill of benchmarks/queue.py for tens of millions of requests: all in PostgreSQL.

The row-by-row COPY of queue.py makes each row in Python (about a minute per million here);
this makes the same kind of rows with generate_series in one INSERT … SELECT per table, with the
same proportions (open requests per million, most of them recent, 60 % of the ended ones once
escalated, the texts and their search lemmas), and builds the secondary indexes after the rows
are in, as a restore does. Foreign keys are not checked row by row (session_replication_role):
every id it writes is one it read from the tables just before.

Used by ``queue.py --fill sql`` (the default from 5,000,000 rows), into a database of its own
that is kept and reused: the fill of 10,000,000 takes many minutes, so it is done once.
"""

from __future__ import annotations

import time
from typing import Any

CHANNELS = ["portal"] * 5 + ["email"] * 3 + ["phone"] * 2 + ["api", "open311"]

REQUESTS = """
INSERT INTO cases_request (
    number, year, sequence, applicant_id, channel, topic_id, subject, text, address,
    cadastral_number, status, paused_status, operator_id, authority_id, due_at, registered_at,
    answered_at, closed_at, created_by_id, version, updated_at, search_text)
SELECT
    'ЕКЦ-' || year || '-' || lpad(seq::text, greatest(6, length(seq::text)), '0'),
    year, seq,
    %(first_applicant)s + floor(u_app * %(applicants)s)::bigint,
    (%(channels)s::text[])[1 + floor(u_chan * %(channel_count)s)::int],
    (%(topics)s::bigint[])[1 + floor(u_topic * %(topic_count)s)::int],
    'Вопрос о строительстве №' || n,
    CASE WHEN mod(n, 100) = 0 THEN %(rare_text)s ELSE (%(texts)s::text[])[1 + mod(n, 5)] END,
    '', '', status, '',
    CASE WHEN status = 'registered' THEN NULL
         ELSE (%(operators)s::bigint[])[1 + floor(u_op * %(operator_count)s)::int] END,
    CASE WHEN escalated_once
         THEN (%(authorities)s::bigint[])[1 + floor(u_auth * %(authority_count)s)::int] END,
    CASE WHEN status IN ('escalated', 'under_review')
              THEN now() + interval '1 day' * (u_due * 9 - 3)
         WHEN escalated_once THEN registered + interval '6 days' END,
    registered,
    CASE WHEN status IN ('closed', 'answered') THEN registered + interval '5 days' END,
    CASE WHEN status = 'closed' THEN registered + interval '8 days' END,
    NULL, 1, registered,
    CASE WHEN mod(n, 100) = 0 THEN %(rare_lemmas)s ELSE (%(lemmas)s::text[])[1 + mod(n, 5)] END
        || n || ' '
FROM (
    SELECT *,
        row_number() OVER (PARTITION BY year ORDER BY n) AS seq,
        status IN ('escalated', 'under_review')
            OR (status IN ('closed', 'answered') AND u_esc < 0.6) AS escalated_once
    FROM (
        SELECT *,
            extract(year FROM registered AT TIME ZONE 'UTC')::int AS year,
            CASE WHEN (n >= %(rows)s - %(window)s AND u_open < %(p_recent)s)
                      OR (n < %(rows)s - %(window)s AND u_open < %(p_old)s)
                 THEN (%(open_statuses)s::text[])[
                        1 + (SELECT count(*) FROM unnest(%(open_bounds)s::float8[]) b
                             WHERE b <= u_kind)::int]
                 WHEN u_closed < 0.9 THEN 'closed' ELSE 'answered' END AS status
        FROM (
            SELECT g AS n,
                now() - interval '3650 days' * ((%(rows)s - g)::float8 / %(rows)s) AS registered,
                random() AS u_open, random() AS u_kind, random() AS u_closed, random() AS u_op,
                random() AS u_auth, random() AS u_esc, random() AS u_due, random() AS u_topic,
                random() AS u_chan, random() AS u_app
            FROM generate_series(0, %(rows)s - 1) AS g
        ) AS drawn
    ) AS statused
) AS numbered
ORDER BY n
"""

APPLICANTS = """
INSERT INTO accounts_applicant (
    kind, user_id, full_name, email, phone, organisation_name, inn, ogrn, created_at)
SELECT 'resident', NULL, 'Заявитель ' || g, 'bench' || g || '@example.ru',
       '+7495' || lpad(g::text, 7, '0'), '', '', '',
       now() - interval '3650 days' * ((%(applicants)s - g)::float8 / %(applicants)s)
FROM generate_series(0, %(applicants)s - 1) AS g
"""

# One entry per request, its registration: the card's timeline and the table's size on disk.
HISTORY = """
INSERT INTO cases_history (
    request_id, at, actor_id, action, escalation_id, from_status, to_status, comment, data,
    is_public)
SELECT id, registered_at, NULL, 'register', NULL, '', 'registered', '', '{}', true
FROM cases_request
"""


def secondary_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """The table's indexes that back no constraint: (name, CREATE INDEX statement)."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        """,
        [table],
    )
    return list(cursor.fetchall())


def fill(
    rows: int,
    seed: int,
    *,
    operators: list[int],
    topics: list[int],
    authorities: list[int],
    texts: list[str],
    lemmas: list[str],
    rare_text: str,
    rare_lemmas: str,
    open_per_million: dict[str, int],
    history: bool,
) -> None:
    from django.db import connection, transaction

    applicants = max(rows // 5, 1)
    opens = sum(open_per_million.values()) * rows / 1_000_000
    # As queue.py: 90 % of the open requests among the newest 60,000 per million, the rest
    # anywhere before them.
    window = min(rows, 60_000 * rows // 1_000_000 or rows)
    bounds, total = [], 0
    for count in open_per_million.values():
        total += count
        bounds.append(total / sum(open_per_million.values()))
    started = time.perf_counter()

    def done(what: str) -> None:
        print(f"  {what}: {time.perf_counter() - started:.0f} s", flush=True)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL work_mem = '512MB'")
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        dropped = []
        for table in ("cases_request", "accounts_applicant", "cases_history"):
            for name, definition in secondary_indexes(cursor, table):
                cursor.execute(f'DROP INDEX "{name}"')
                dropped.append(definition)
        cursor.execute(APPLICANTS, {"applicants": applicants})
        cursor.execute("SELECT min(id) FROM accounts_applicant WHERE email LIKE 'bench%%'")
        first_applicant = cursor.fetchone()[0]
        done(f"{applicants:,} applicants")
        cursor.execute(
            REQUESTS,
            {
                "rows": rows,
                "window": window,
                "p_recent": 0.9 * opens / window,
                "p_old": 0.1 * opens / max(rows - window, 1),
                "open_statuses": list(open_per_million),
                "open_bounds": bounds[:-1],
                "first_applicant": first_applicant,
                "applicants": applicants,
                "channels": CHANNELS,
                "channel_count": len(CHANNELS),
                "topics": topics,
                "topic_count": len(topics),
                "operators": operators,
                "operator_count": len(operators),
                "authorities": authorities,
                "authority_count": len(authorities),
                "texts": texts,
                "lemmas": lemmas,
                "rare_text": rare_text,
                "rare_lemmas": rare_lemmas,
            },
        )
        done(f"{rows:,} requests")
        if history:
            cursor.execute(HISTORY)
            done(f"{rows:,} history entries")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for definition in dropped:
            cursor.execute(definition)
        done(f"{len(dropped)} indexes built again")
    with connection.cursor() as cursor:
        # As autovacuum would have by now: statistics and the visibility map (index-only scans).
        for table in ("cases_request", "accounts_applicant", "cases_history"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        done("vacuum analyze")
