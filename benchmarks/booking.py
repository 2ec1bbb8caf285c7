"""50 clients racing for 10 consultation slots through the REST API of a running server.

Starts the real server (gunicorn on PostgreSQL by default, 2 workers × 4 threads, the way
``benchmarks/intake.py`` does) on a fresh database with one expert whose day holds exactly 10
slots of 15 minutes. In each round, C client threads (one applicant each, keep-alive
connections) read the free slots and POST a booking for a random one; a 409 answers with the next
free slots, which the client tries next, until it has booked or nothing is free. Then the same
clients hit /healthz, a bare Django view on the same server, for the ratio. Double bookings
(two live bookings of one expert that overlap) are counted in the database afterwards.

    .venv/bin/python benchmarks/booking.py                   # PostgreSQL at 127.0.0.1
    .venv/bin/python benchmarks/booking.py --db sqlite
    .venv/bin/python benchmarks/booking.py --rounds 5 --clients 50
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path[:] = [p for p in sys.path if not p.rstrip("/").endswith("benchmarks")]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake import PG_ADMIN_URL, ROOT, free_port, hammer, report  # noqa: E402

sys.path.pop(0)  # benchmarks/queue.py would shadow the standard library's queue for psycopg

PG_BENCH_DB = "stroydesk_bench_booking"
# The interpreter running this script (the project's .venv, or a shared one) and its gunicorn.
PY = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")

SETUP = """
import json
from datetime import date, time, timedelta
from django.utils import timezone
from stroydesk.accounts.services import applicant_for_user, user_create
from stroydesk.accounts.tokens import api_token_issue
from stroydesk.consultations.models import Expert, Subject, WorkingHours
from stroydesk.workcalendar import selectors as workdays

rounds, clients = {rounds}, {clients}
subject = Subject.objects.create(
    code="bench", title="Bench", duration_minutes=15, min_notice_minutes=0, horizon_days=120,
    daily_quota=10, max_active_per_applicant=rounds, max_active_per_organisation=rounds,
)
user = user_create(username="bench-expert", password=None, role="operator")
expert = Expert.objects.create(user=user)
expert.subjects.set([subject])
for weekday in range(7):
    # 10:00-12:30: exactly ten 15-minute slots a working day.
    WorkingHours.objects.create(expert=expert, weekday=weekday, start=time(10), end=time(12, 30))
days, day = [], timezone.localdate() + timedelta(days=1)
while len(days) < rounds:
    if workdays.is_working_day(day):
        days.append(day.isoformat())
    day += timedelta(days=1)
tokens = []
for i in range(clients):
    u = user_create(username=f"bench-applicant-{{i}}", password=None, role="applicant",
                    email=f"bench{{i}}@example.ru")
    applicant_for_user(user=u)
    tokens.append(api_token_issue(user=u)[1])
print(json.dumps({{"days": days, "tokens": tokens}}))
"""

CHECK = """
from django.db import connection
with connection.cursor() as c:
    c.execute(
        "SELECT COUNT(*) FROM consultations_booking a JOIN consultations_booking b "
        "ON a.expert_id = b.expert_id AND a.id < b.id AND a.start < b.\\"end\\" "
        "AND b.start < a.\\"end\\" WHERE a.status = 'booked' AND b.status = 'booked'"
    )
    overlapping = c.fetchone()[0]
    c.execute("SELECT COUNT(*) FROM consultations_booking WHERE status = 'booked'")
    live = c.fetchone()[0]
print(overlapping, live)
"""


def manage(env: dict[str, str], *args: str, script: str = "") -> str:
    command = [PY, "manage.py", *args] + (["-c", script] if script else [])
    out = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def race(port: int, tokens: list[str], day: str) -> tuple[int, int, float]:
    """One round: every client books one of the day's slots; (bookings, posts, seconds)."""
    barrier = threading.Barrier(len(tokens))
    counts = {"won": 0, "posts": 0}
    lock = threading.Lock()
    timings: dict[str, list[float]] = {"GET": [], "201": [], "409": []}

    def client(token: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        auth = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        query = f"/api/v1/consultations/slots/?subject=bench&format=online&from={day}&to={day}"
        barrier.wait()
        t0 = time.perf_counter()
        conn.request("GET", query, headers=auth)
        slots = json.loads(conn.getresponse().read())
        mine = {"GET": [time.perf_counter() - t0], "201": [], "409": []}
        posts = won = 0
        while slots:
            slot = random.choice(slots)
            body = json.dumps(
                {"subject": "bench", "format": "online", "start": slot["start"], "question": "?"}
            )
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/consultations/bookings/", body=body, headers=auth)
            response = conn.getresponse()
            data = json.loads(response.read())
            mine.setdefault(str(response.status), []).append(time.perf_counter() - t0)
            posts += 1
            if response.status == 201:
                won = 1
                break
            if response.status != 409:
                raise RuntimeError(f"unexpected {response.status}: {data}")
            slots = [s for s in data.get("next_slots", []) if s["start"].startswith(day)]
        with lock:
            counts["won"] += won
            counts["posts"] += posts
            for name, values in mine.items():
                timings.setdefault(name, []).extend(values)

    threads = [threading.Thread(target=client, args=(t,)) for t in tokens]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    for name, values in timings.items():
        if values:
            values.sort()
            print(
                f"    {name:>3}: {len(values):3d} answers, median "
                f"{values[len(values) // 2] * 1000:7.1f} ms, max {values[-1] * 1000:7.1f} ms"
            )
    return counts["won"], counts["posts"], elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0, help="of the bare-view run")
    parser.add_argument("--redis", default="", help="REDIS_URL for the job queue (else SQLite)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="stroydesk-bench-"))
    env = {
        **os.environ,
        "STROYDESK_DEMO": "1",
        "DEBUG": "0",
        "STROYDESK_VAR_DIR": str(tmp),
        "HUEY_SQLITE_PATH": str(tmp / "huey.sqlite3"),
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # A load test: every call must be served, none throttled as an abusive client.
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
        "API_ANONYMOUS_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    env.pop("REDIS_URL", None)
    if args.redis:
        env["REDIS_URL"] = args.redis
        env["HUEY_NAME"] = "stroydesk-bench-booking"
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    manage(env, "migrate", "-v", "0")
    setup = json.loads(
        manage(
            env, "shell", script=SETUP.format(rounds=args.rounds, clients=args.clients)
        ).splitlines()[-1]
    )
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
        print(
            f"stroydesk booking race — {args.db}, gunicorn {args.workers}×4 threads, "
            f"{args.clients} clients for 10 slots, {args.rounds} rounds, {os.cpu_count()} CPUs"
        )
        tokens, first_day = setup["tokens"], setup["days"][0]

        def warm(n: int, i: int):
            auth = {"Authorization": f"Token {tokens[n % len(tokens)]}"}
            query = f"/api/v1/consultations/slots/?subject=bench&format=online&from={first_day}"
            return "GET", f"{query}&to={first_day}", None, auth, 200

        hammer(port, args.clients, 3, warm)  # warm-up: every worker imports and connects
        won = posts = 0
        elapsed = 0.0
        for day in setup["days"]:
            w, p, s = race(port, setup["tokens"], day)
            won, posts, elapsed = won + w, posts + p, elapsed + s
            print(f"  round {day}: {w} booked, {p} POSTs ({p - w} answered 409), {s:.2f} s")
        booking_rate = won / elapsed
        post_rate = posts / elapsed
        print(f"  bookings per second:        {booking_rate:8.1f}")
        print(f"  booking POSTs per second:   {post_rate:8.1f}  (201 and 409 together)")
        baseline = report(
            "GET /healthz (bare Django)",
            *hammer(
                port, args.clients, args.seconds, lambda n, i: ("GET", "/healthz", None, {}, 200)
            ),
            args.seconds,
        )
        print(f"  ratio booking POSTs / bare view: {post_rate / baseline:.3f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    overlapping, live = manage(env, "shell", script=CHECK).splitlines()[-1].split()
    print(f"  live bookings: {live} (expected {10 * args.rounds})")
    print(f"  double bookings in the database: {overlapping}")
    return 0 if int(overlapping) == 0 and int(live) == 10 * args.rounds else 1


if __name__ == "__main__":
    sys.exit(main())
