"""stroydesk and django-helpdesk side by side: creation rate through each one's REST API, and the
staff queue page's latency at 100,000 tickets — same machine, same PostgreSQL server, same run.

django-helpdesk (the current release from PyPI) is installed into its own virtualenv under
``var/bench/``, with a minimal site around it (its own database ``bench_helpdesk``), as its
documentation sets one up. Both servers run gunicorn with the same sync workers (2 unless
--workers says otherwise); the same 8 connections of wrk (loadgen.py) hit each for the same
time; each server's bare view (stroydesk's /healthz, the helpdesk site's /bare/) is measured
too, so the ratios are against the same machine at the same moment. Then both databases are
filled to 100,000 tickets/requests and a signed-in staff member opens the queue: for
django-helpdesk the ticket list page plus the table data it loads (that is what the person waits
for), for stroydesk the operator's queue page.

    .venv/bin/python benchmarks/side_by_side.py
    .venv/bin/python benchmarks/side_by_side.py --seconds 20 --rows 100000
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urlencode

# benchmarks/queue.py would shadow the standard library's ``queue`` (psycopg imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
HD_VENV = BENCH / "helpdesk-venv"
HD_SITE = BENCH / "helpdesk-site"
HD_PY = str(HD_VENV / "bin" / "python")
PY = sys.executable  # the project's virtualenv, which runs this script
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HD_DB = "bench_helpdesk"
SD_DB = "bench_stroydesk_side"
PASSWORD = "bench-pass-1"
HUEY_NAME = f"bench-side-{os.getpid()}"

_spec = importlib.util.spec_from_file_location("intake_bench", ROOT / "benchmarks" / "intake.py")
assert _spec and _spec.loader
intake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(intake)
loadgen = intake.loadgen

HD_SETTINGS = """
from pathlib import Path
SECRET_KEY = "bench-helpdesk-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework",
    "rest_framework.authtoken", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "site_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "%(db)s",
                         "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432",
                         "CONN_MAX_AGE": 60}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1
STATIC_URL = "/static/"
USE_TZ = True
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_API_ENABLED = True
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [
    "rest_framework.authentication.TokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGIN_URL = "/helpdesk/login/"
"""

HD_URLS = """
from django.http import HttpResponse
from django.urls import include, path

def bare(request):
    return HttpResponse("ok", content_type="text/plain")

urlpatterns = [path("bare/", bare), path("helpdesk/", include("helpdesk.urls"))]
"""

HD_FILL = """
import random
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from helpdesk.models import Queue, Ticket
User = get_user_model()
if not User.objects.filter(username="bench-staff").exists():
    User.objects.create_superuser("bench-staff", "staff@example.ru", "%(password)s")
from rest_framework.authtoken.models import Token
token, _ = Token.objects.get_or_create(user=User.objects.get(username="bench-staff"))
queue, _ = Queue.objects.get_or_create(slug="ekc", defaults={"title": "ЕКЦ"})
print(token.key, queue.pk)
rows = int("%(rows)s")
have = Ticket.objects.count()
rng = random.Random(1)
now = timezone.now()
batch = []
for i in range(have, rows):
    batch.append(Ticket(
        title=f"Шум от стройки ночью {i}", queue=queue, description="После 23:00 работает техника.",
        submitter_email=f"caller{i}@example.ru", status=rng.choice([1, 1, 3, 4, 4, 4, 4, 4]),
        priority=3, created=now - timedelta(minutes=i), modified=now - timedelta(minutes=i),
    ))
    if len(batch) == 5000:
        Ticket.objects.bulk_create(batch)
        batch = []
if batch:
    Ticket.objects.bulk_create(batch)
"""


def sh(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)


def admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as db:
        db.execute(sql)


def admin_sql_in(database: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL.rsplit("/", 1)[0] + f"/{database}", autocommit=True) as db:
        db.execute(sql)


def recreate(name: str) -> None:
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{name}"')


def install_helpdesk() -> str:
    """django-helpdesk's current release in its own virtualenv; returns its version."""
    if not (HD_VENV / "bin" / "gunicorn").exists():
        BENCH.mkdir(parents=True, exist_ok=True)
        print("installing django-helpdesk into var/bench/helpdesk-venv (once) …", flush=True)
        sh([sys.executable, "-m", "venv", str(HD_VENV)])
        sh([HD_PY, "-m", "pip", "install", "-q", "django-helpdesk", "gunicorn", "psycopg[binary]"])
    HD_SITE.mkdir(parents=True, exist_ok=True)
    (HD_SITE / "site_settings.py").write_text(textwrap.dedent(HD_SETTINGS) % {"db": HD_DB})
    (HD_SITE / "site_urls.py").write_text(textwrap.dedent(HD_URLS))
    (HD_SITE / "wsgi_app.py").write_text(
        "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
    )
    return sh(
        [HD_PY, "-c", "import importlib.metadata as m; print(m.version('django-helpdesk'))"]
    ).stdout.strip()


def hd_env() -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "site_settings", "PYTHONPATH": str(HD_SITE)}


def hd_manage(*args: str, stdin: str | None = None) -> str:
    code = (
        "import django, sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage', *sys.argv[1:]])"
    )
    return subprocess.run(
        [HD_PY, "-c", code, *args],
        cwd=HD_SITE,
        env=hd_env(),
        check=True,
        text=True,
        capture_output=True,
        input=stdin,
    ).stdout


def sd_env() -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{SD_DB}",
        "STROYDESK_DEMO": "1",
        "DEBUG": "0",
        # Letters are queued, not sent, as in production where the job workers send them.
        "HUEY_IMMEDIATE": "0",
        "LOG_LEVEL": "WARNING",
        "STROYDESK_VAR_DIR": str(BENCH / "stroydesk-var"),
        # The production shape: the job queue in Redis (under a name of this run's own).
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "HUEY_NAME": HUEY_NAME,
        # A load test: every call must be served, none throttled as an abusive client.
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
        "API_ANONYMOUS_RATE_LIMIT_PER_MINUTE": "1000000",
        "ASK_RATE_LIMIT_PER_HOUR": "1000000",
    }
    return env


def serve(
    command: list[str], *, cwd: Path, env: dict[str, str], port: int, probe: str, workers: int = 2
) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            *command,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=cwd,
        env=env,
    )
    for _ in range(600):  # a minute: a busy machine imports Django slowly
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", probe)
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"server on {port} did not come up")


def login(port: int, path: str, username: str) -> dict[str, str]:
    """Sign in through the site's own login form; the session cookie for later requests."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    page = conn.getresponse()
    html = page.read().decode()
    cookies = {
        c.split("=", 1)[0]: c.split("=", 1)[1].split(";", 1)[0]
        for c in page.headers.get_all("Set-Cookie") or []
    }
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    conn.request(
        "POST",
        path,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Referer": f"http://127.0.0.1:{port}{path}",
        },
    )
    answer = conn.getresponse()
    answer.read()
    for c in answer.headers.get_all("Set-Cookie") or []:
        cookies[c.split("=", 1)[0]] = c.split("=", 1)[1].split(";", 1)[0]
    if "sessionid" not in cookies:
        raise RuntimeError(f"login at {path} failed ({answer.status})")
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def timed_gets(port: int, paths: list[str], headers: dict[str, str], repeat: int) -> list[float]:
    """Latency of loading ``paths`` one after another (one staff screen), ``repeat`` times."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        for path in paths:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {path} answered {response.status}")
        samples.append(time.perf_counter() - started)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(samples, n=20)
    return statistics.median(samples) * 1000, q[18] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers of each")
    args = parser.parse_args()

    version = install_helpdesk()
    recreate(HD_DB)
    recreate(SD_DB)
    hd_manage("migrate", "--noinput", "-v", "0")
    hd_token, queue_id = hd_manage(
        "shell", stdin=HD_FILL % {"password": PASSWORD, "rows": 0}
    ).split()[-2:]
    sh([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=sd_env())
    sh([PY, "manage.py", "seed_directory"], cwd=ROOT, env=sd_env())
    token = sh(
        [
            PY,
            "manage.py",
            "shell",
            "-c",
            "from stroydesk.accounts.services import user_create\n"
            "from stroydesk.accounts.tokens import api_token_issue\n"
            f"u = user_create(username='bench-operator', password='{PASSWORD}', "
            "role='operator')\nprint(api_token_issue(user=u)[1])",
        ],
        cwd=ROOT,
        env=sd_env(),
    ).stdout.split()[-1]

    hd_port, sd_port = intake.free_port(), intake.free_port()
    helpdesk = serve(
        [str(HD_VENV / "bin" / "gunicorn"), "wsgi_app:application"],
        cwd=HD_SITE,
        env=hd_env(),
        port=hd_port,
        probe="/bare/",
        workers=args.workers,
    )

    def serve_stroydesk() -> subprocess.Popen:
        return serve(
            [GUNICORN, "stroydesk.wsgi"],
            cwd=ROOT,
            env=sd_env(),
            port=sd_port,
            probe="/healthz",
            workers=args.workers,
        )

    stroydesk = serve_stroydesk()
    try:
        # Both APIs with token authentication: no password hashing per call on either side.
        hd_auth = {"Authorization": f"Token {hd_token}", "Content-Type": "application/json"}

        hd_create = loadgen.Call(
            "/helpdesk/api/tickets/",
            method="POST",
            headers=hd_auth,
            expect=201,
            body=json.dumps(
                {
                    "queue": int(queue_id),
                    "title": "Шум от стройки ночью",
                    "description": "Обращение {n}: после 23:00 работает техника.",
                    "submitter_email": "caller{n}@example.ru",
                    "priority": 3,
                },
                ensure_ascii=False,
            ),
        )
        sd_create = intake.registration(token)

        print(
            f"side by side — django-helpdesk {version} vs stroydesk, PostgreSQL, gunicorn "
            f"{args.workers} sync workers each, {args.clients} connections from "
            f"{loadgen.client_name()}, {args.seconds:.0f} s of each load per server, "
            f"{os.cpu_count()} CPUs"
        )
        # Rounds alternate the two servers, so a change in the machine's load (it is shared)
        # falls on both; each round's ratio compares the two at nearly the same moment.
        servers = (
            ("django-helpdesk", hd_port, hd_create, "/bare/"),
            ("stroydesk", sd_port, sd_create, "/healthz"),
        )
        for _name, port, create, _bare_path in servers:
            loadgen.load(port, create, seconds=2, connections=args.clients)  # warm-up
        share = args.seconds / args.rounds
        rates: dict[str, list[float]] = {name: [] for name, *_ in servers}
        plains: dict[str, list[float]] = {name: [] for name, *_ in servers}
        p95s: dict[str, list[float]] = {name: [] for name, *_ in servers}
        failed = dict.fromkeys(rates, 0)
        for _round in range(args.rounds):
            for name, port, create, bare_path in servers:
                created = loadgen.load(port, create, seconds=share, connections=args.clients)
                rates[name].append(created.rate)
                p95s[name].append(created.p95_ms)
                failed[name] += created.errors
                plain = loadgen.load(
                    port, loadgen.Call(bare_path), seconds=share, connections=args.clients
                )
                plains[name].append(plain.rate)
                failed[name] += plain.errors
        for name, *_ in servers:
            created, plain = statistics.median(rates[name]), statistics.median(plains[name])
            p95 = statistics.median(p95s[name])
            print(
                f"  {name:<16} create {created:7.1f} req/s (p95 {p95:5.1f} ms)   bare view "
                f"{plain:7.1f} req/s   creation is {created / plain * 100:.1f} % of its bare "
                f"view   errors {failed[name]}"
            )
        ratios = [
            sd / hd for sd, hd in zip(rates["stroydesk"], rates["django-helpdesk"], strict=True)
        ]
        print(
            f"  creation: stroydesk / django-helpdesk = {statistics.median(ratios):.1f}× "
            f"(median of {args.rounds} alternating rounds; "
            f"rounds {', '.join(f'{r:.1f}×' for r in ratios)})"
        )

        print(f"filling both to {args.rows:,} tickets/requests …", flush=True)
        hd_manage("shell", stdin=HD_FILL % {"password": PASSWORD, "rows": args.rows})
        # stroydesk's rows come from the queue benchmark's loader (COPY, years of history), into
        # a fresh database: the loader numbers its rows itself.
        stroydesk.terminate()
        stroydesk.wait(30)
        recreate(SD_DB)
        sh(
            [
                PY,
                "-c",
                "import importlib.util, sys\n"
                "spec = importlib.util.spec_from_file_location('qb', 'benchmarks/queue.py')\n"
                "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
                f"m.BENCH_DB = '{SD_DB}'; m.setup_django(); m.load(int(sys.argv[1]), 1)\n"
                "from stroydesk.accounts.services import user_create\n"
                f"user_create(username='bench-operator', password='{PASSWORD}', role='operator')\n",
                str(args.rows),
            ],
            cwd=ROOT,
            env=sd_env(),
        )
        stroydesk = serve_stroydesk()
        admin_sql_in(SD_DB, "VACUUM ANALYZE")
        admin_sql_in(HD_DB, "VACUUM ANALYZE")
        hd_cookie = login(hd_port, "/helpdesk/login/", "bench-staff")
        sd_cookie = login(sd_port, "/accounts/login/", "bench-operator")
        conn = http.client.HTTPConnection("127.0.0.1", hd_port, timeout=60)
        conn.request("GET", "/helpdesk/tickets/", headers=hd_cookie)
        page = conn.getresponse().read().decode()
        data_url = re.search(r"/helpdesk/datatables_ticket_list/[A-Za-z0-9_=-]+", page)
        if data_url is None:
            raise RuntimeError("the helpdesk ticket list names no table-data URL")
        hd_paths = ["/helpdesk/tickets/", data_url.group(0) + "?draw=1&start=0&length=25"]
        timed_gets(hd_port, hd_paths, hd_cookie, 3)  # warm-up: caches, connections
        timed_gets(sd_port, ["/desk/"], sd_cookie, 3)
        # One screen of each in turn, so both see the same moments of the shared machine.
        hd_samples: list[float] = []
        sd_samples: list[float] = []
        for _ in range(args.repeat):
            hd_samples += timed_gets(hd_port, hd_paths, hd_cookie, 1)
            sd_samples += timed_gets(sd_port, ["/desk/"], sd_cookie, 1)
        hd_lat, sd_lat = summary(hd_samples), summary(sd_samples)
        print(
            f"  django-helpdesk staff list (page + its table data): median {hd_lat[0]:.1f} ms,"
            f" p95 {hd_lat[1]:.1f} ms"
        )
        print(
            f"  stroydesk operator queue page:                    median {sd_lat[0]:.1f} ms,"
            f" p95 {sd_lat[1]:.1f} ms"
        )
        print(f"  queue latency: stroydesk / django-helpdesk = {sd_lat[0] / hd_lat[0]:.3f}")
    finally:
        import redis

        queue = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for key in queue.scan_iter(f"huey*{HUEY_NAME.replace('-', '')}*"):
            queue.delete(key)
        for server in (helpdesk, stroydesk):
            if server is not None:
                server.terminate()
                server.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
