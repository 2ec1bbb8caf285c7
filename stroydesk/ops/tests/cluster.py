"""A small production-shaped installation on this machine, for the fault tests.

A private PostgreSQL (initdb + pg_ctl in a temp folder, never the machine's shared server), a
private redis-server, a loopback SMTP server that keeps what it receives, two gunicorn web
processes and two Huey consumers — each a real process that a test can kill, stop and start.
"""

from __future__ import annotations

import email
import glob
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, *, timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(every)
    raise TimeoutError(f"gave up waiting for {what} after {timeout} s")


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None
    )
    if not found:
        raise RuntimeError(f"{name} not found: install PostgreSQL's server package")
    return found


class PrivatePostgres:
    """A throwaway PostgreSQL cluster owned by the ``postgres`` user, on a free port."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="stroydesk-pg-"))
        os.chmod(self.folder, 0o755)
        self.data = self.folder / "data"
        self.port = free_port()
        self._as_postgres = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            [
                *self._as_postgres,
                _pg_bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/stroydesk"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [
                *self._as_postgres,
                _pg_bin("pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.folder / "log"),
                "-o",
                options,
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            [*self._as_postgres, _pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            check=False,
            capture_output=True,
        )

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as db:
            db.execute("CREATE DATABASE stroydesk")

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(
            lambda: socket.create_connection(("127.0.0.1", self.port), 0.2),
            timeout=10,
            what="redis",
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@dataclass
class Inbox:
    """What the SMTP server received: one entry per delivery (a letter twice is two entries)."""

    letters: list[email.message.Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.letters.append(email.message_from_bytes(envelope.original_content or b""))
        return "250 OK"

    def subjects(self) -> list[str]:
        with self.lock:
            return [
                str(email.header.make_header(email.header.decode_header(m["Subject"])))
                for m in self.letters
            ]


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        handle = open(self.log, "ab")  # noqa: SIM115 (kept open for the child's lifetime)
        self.popen = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(30)


class Cluster:
    """Everything above, configured to work together; ``start()`` migrates and seeds first."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="stroydesk-cluster-"))
        self.pg = PrivatePostgres()
        self.redis = PrivateRedis()
        self.inbox = Inbox()
        self.smtp_port = free_port()
        self.smtp = Controller(self.inbox, hostname="127.0.0.1", port=self.smtp_port)
        self.web_ports = [free_port(), free_port()]
        self.env = {
            **os.environ,
            "DATABASE_URL": self.pg.url,
            "REDIS_URL": self.redis.url,
            "HUEY_NAME": f"faults-{os.getpid()}",
            "HUEY_IMMEDIATE": "0",
            "STROYDESK_TESTING": "0",
            "DJANGO_SETTINGS_MODULE": "stroydesk.settings",
            "DEBUG": "0",
            "SECRET_KEY": "fault-tests-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_RETRY_BASE_SECONDS": "1",
            "EMAIL_SWEEP_SECONDS": "3",
            # A letter a killed consumer held mid-send is sent again this soon (same Message-ID).
            "EMAIL_SENDING_LEASE_SECONDS": "15",
            # Many calls from one account in seconds: a test, not a client to throttle.
            "API_RATE_LIMIT_PER_MINUTE": "1000000",
            "API_ANONYMOUS_RATE_LIMIT_PER_MINUTE": "1000000",
            "STROYDESK_VAR_DIR": str(self.folder / "var"),
            "MEDIA_ROOT": str(self.folder / "media"),
            "DB_CONN_MAX_AGE": "0",
        }
        self.webs = [
            Process(
                f"web{i}",
                [
                    str(BIN / "gunicorn"),
                    "stroydesk.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--timeout",
                    "60",
                ],
                self.env,
                self.folder / f"web{i}.log",
            )
            for i, port in enumerate(self.web_ports)
        ]
        self.consumers = [
            Process(
                f"consumer{i}",
                [
                    str(BIN / "python"),
                    "manage.py",
                    "run_huey",
                    "--workers",
                    "2",
                    "-d",
                    "0.05",
                    "-m",
                    "0.5",
                ],
                self.env,
                self.folder / f"consumer{i}.log",
            )
            for i in range(2)
        ]
        self.token = ""

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def start(self) -> None:
        (self.folder / "var").mkdir()
        self.pg.start()
        self.pg.create_database()
        self.redis.start()
        self.smtp.start()
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("seed_directory")
        self.token = (
            self.manage(
                "shell",
                "-c",
                "from stroydesk.accounts.services import user_create\n"
                "from stroydesk.accounts.tokens import api_token_issue\n"
                "u = user_create(username='faults-operator', password='faults-pass-1',"
                " role='operator')\n"
                "print(api_token_issue(user=u)[1])",
            )
            .strip()
            .splitlines()[-1]
        )
        for process in [*self.webs, *self.consumers]:
            process.start()
        for port in self.web_ports:
            wait_for(
                lambda port=port: self.get(port, "/healthz")[0] == 200,
                timeout=60,
                what=f"web on {port}",
            )

    def stop(self) -> None:
        for process in [*self.webs, *self.consumers]:
            process.kill(signal.SIGTERM)
        self.smtp.stop()
        self.redis.stop()
        self.pg.destroy()
        shutil.rmtree(self.folder, ignore_errors=True)

    def get(self, port: int, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def register(self, port: int, n: int) -> tuple[int, dict]:
        """One phone request typed in by the operator for a caller with an e-mail."""
        body = json.dumps(
            {
                "channel": "phone",
                "subject": f"Проверка отказоустойчивости {n}",
                "text": "Когда выдадут разрешение на строительство?",
                "applicant": {"full_name": f"Заявитель {n}", "email": f"caller{n}@example.ru"},
            }
        )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(
                "POST",
                "/api/v1/requests/",
                body=body,
                headers={
                    "Authorization": f"Token {self.token}",
                    "Content-Type": "application/json",
                    "Accept-Language": "en",
                },
            )
            response = conn.getresponse()
            raw = response.read()
        except OSError as exc:
            return 0, {"error": str(exc)}
        finally:
            conn.close()
        try:
            return response.status, json.loads(raw or b"{}")
        except ValueError:
            return response.status, {"raw": raw[:200].decode(errors="replace")}

    def numbers_in_database(self) -> list[str]:
        import psycopg

        with psycopg.connect("postgresql://" + self.pg.url.split("://", 1)[1]) as db:
            return [r[0] for r in db.execute("SELECT number FROM cases_request ORDER BY number")]
