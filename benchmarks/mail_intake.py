"""How many e-mails per second stroydesk turns into requests, from a mailbox of 10,000 messages.

A private Dovecot on loopback gets a mailbox of N unread messages (written straight into its
Maildir: real corpus letters — plain, quoted-printable, HTML-only, cp1251, KOI8-R, with PDF
attachments, auto-replies — each with its own Message-ID, 3,000 distinct senders so that later
letters find their applicant). Then one `mailbox_fetch` run reads them all over IMAP, registers
the requests (notifications are queued, not sent: the job worker sends them) and marks them
read. For the ratios the same mailbox is also read over IMAP without processing, and the same
bytes are only parsed.

    .venv/bin/python benchmarks/mail_intake.py                     # SQLite and PostgreSQL
    .venv/bin/python benchmarks/mail_intake.py --db sqlite --messages 2000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not this folder: a benchmark module named like a standard one (queue.py) would shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")
CORPUS = ROOT / "stroydesk" / "channels" / "tests" / "corpus"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "stroydesk_bench_mail"
# Letters as they come: mostly ordinary questions, some with files, a few auto-replies.
MIX = [
    "01_plain_utf8.eml",
    "02_alternative_qp.eml",
    "03_html_only_base64.eml",
    "04_cp1251_8bit.eml",
    "05_koi8r_qp.eml",
    "01_plain_utf8.eml",
    "09_attachments.eml",
    "08_undeclared_koi8r.eml",
    "02_alternative_qp.eml",
    "11_auto_submitted.eml",
]
SENDERS = 3000


def fill_maildir(maildir: Path, count: int, uid: int, gid: int) -> int:
    """Write ``count`` unread messages into a Maildir; returns their total size in bytes."""
    templates = [(CORPUS / name).read_bytes() for name in MIX]
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    total = 0
    stamp = int(time.time())
    for i in range(count):
        raw = templates[i % len(templates)]
        message_id = f"Message-ID: <bench-{i}@mail.example.ru>".encode()
        raw = re.sub(rb"(?m)^Message-ID: .*$", message_id, raw)
        sender = f"From: Sender {i % SENDERS} <sender{i % SENDERS}@example.ru>"
        raw = re.sub(rb"(?m)^From: .*$", sender.encode(), raw, count=1)
        path = maildir / "new" / f"{stamp}.M{i}P1.bench"
        path.write_bytes(raw)
        os.chown(path, uid, gid)
        total += len(raw)
    for path in [maildir, *maildir.parents][:3]:
        os.chown(path, uid, gid)
    for sub in ("cur", "new", "tmp"):
        os.chown(maildir / sub, uid, gid)
    return total


def worker(args: argparse.Namespace) -> int:
    """Runs in a child process with the database chosen by the environment."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stroydesk.settings")
    django.setup()
    from django.core.management import call_command

    from stroydesk.channels import mailintake
    from stroydesk.channels.imap import ImapSession
    from stroydesk.channels.mailparse import parse_message
    from stroydesk.channels.models import Mailbox

    call_command("migrate", verbosity=0)
    call_command("seed_directory", stdout=open(os.devnull, "w"))  # noqa: SIM115
    mailbox = Mailbox.objects.create(
        name="bench",
        host="127.0.0.1",
        port=args.port,
        security=Mailbox.Security.PLAIN,
        username=args.user,
        password_env="BENCH_IMAP_PASSWORD",
    )
    # IMAP only: fetch every message (without marking), no processing.
    t0 = time.perf_counter()
    raws: list[bytes] = []
    with ImapSession(mailbox) as session:
        uids = session.unseen_uids()
        for start in range(0, len(uids), mailintake.FETCH_BATCH):
            raws.extend(raw for _uid, raw in session.fetch(uids[start : start + 100]))
    imap_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    for raw in raws:
        parse_message(raw)
    parse_seconds = time.perf_counter() - t0
    # The real thing.
    t0 = time.perf_counter()
    report = mailintake.mailbox_fetch(mailbox=mailbox)
    intake_seconds = time.perf_counter() - t0
    from stroydesk.cases.intake import Contact, Intake, register_request
    from stroydesk.cases.models import Attachment, Request

    # The same registrations without mail, for the ratio: what reading mail adds.
    sample = min(len(raws), 1000)
    t0 = time.perf_counter()
    for i in range(sample):
        register_request(
            intake=Intake(channel="email", subject="Без письма", text="Тот же путь без почты."),
            contact=Contact(full_name="Заявитель", email=f"direct{i % SENDERS}@example.ru"),
        )
    register_rate = sample / (time.perf_counter() - t0)
    requests_from_mail = Request.objects.count() - sample
    print(
        json.dumps(
            {
                "fetched": len(raws),
                "imap_seconds": imap_seconds,
                "parse_seconds": parse_seconds,
                "intake_seconds": intake_seconds,
                "outcomes": dict(report.outcomes),
                "error": report.error,
                "requests": requests_from_mail,
                "register_rate": register_rate,
                "attachments": Attachment.objects.count(),
                "left_unread": len(ImapSession(mailbox).__enter__().unseen_uids()),
            }
        )
    )
    return 0


def run(db: str, server, count: int) -> dict:
    user = server.add_user("bench-pass-1")
    size = fill_maildir(server.maildir(user), count, server.uid, server.gid)
    tmp = Path(tempfile.mkdtemp(prefix="stroydesk-bench-mail-"))
    env = {
        **os.environ,
        "STROYDESK_DEMO": "1",
        "DEBUG": "0",
        "STROYDESK_VAR_DIR": str(tmp),
        "MEDIA_ROOT": str(tmp / "media"),
        "HUEY_SQLITE_PATH": str(tmp / "huey.sqlite3"),
        "HUEY_IMMEDIATE": "0",
        "LOG_LEVEL": "ERROR",
        "BENCH_IMAP_PASSWORD": "bench-pass-1",
    }
    env.pop("REDIS_URL", None)
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    try:
        out = subprocess.run(
            [PY, __file__, "--worker", "--port", str(server.port), "--user", user],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if db == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["bytes"] = size
    return result


def _line(label: str, value: float, unit: str = "") -> None:
    print(f"    {label:<42} {value:9.2f} {unit}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--user", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    from stroydesk.channels.testing import DovecotServer, dovecot_missing_reason

    reason = dovecot_missing_reason()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    server = DovecotServer().start()
    try:
        print(
            f"stroydesk e-mail intake benchmark — {args.messages} messages in one mailbox, "
            f"Dovecot on loopback, {os.cpu_count()} CPUs"
        )
        for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
            r = run(db, server, args.messages)
            n = r["fetched"]
            print(f"\n  {db}: {n} messages, {r['bytes'] / 1e6:.1f} MB")
            _line("intake (fetch, parse, register, mark)", n / r["intake_seconds"], "msg/s")
            _line("  of which the run took", r["intake_seconds"], "s")
            _line("IMAP fetch only", n / r["imap_seconds"], "msg/s")
            _line("parse only", n / r["parse_seconds"], "msg/s")
            _line("register_request() alone (no mail)", r["register_rate"], "req/s")
            _line("intake / register_request() alone", n / r["intake_seconds"] / r["register_rate"])
            print(
                f"    outcomes {r['outcomes']}; requests {r['requests']}, "
                f"attachments {r['attachments']}, left unread {r['left_unread']}"
                + (f"; ERROR {r['error']}" if r["error"] else "")
            )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
