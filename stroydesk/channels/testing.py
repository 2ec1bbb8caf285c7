"""Real mail servers on loopback for the tests and the benchmark: a private Dovecot (IMAP) and an
aiosmtpd server (SMTP) that keeps what it receives. Not used by the running system."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    """A TCP port that was free a moment ago (servers here cannot take port 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dovecot_missing_reason() -> str | None:
    """Why a private Dovecot cannot run here, or None when it can."""
    if not Path(DOVECOT).exists():
        return "the dovecot binary is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "a private Dovecot is started as root here (it drops to the dovecot user)"
    try:
        pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        return "the dovecot and dovenull system users are missing"
    return None


_CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
first_valid_uid = {uid}
mail_uid = {uid}
mail_gid = {gid}
mail_location = maildir:{base}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base}/users
}}
userdb {{
  driver = passwd-file
  args = {base}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  # No growing delay after failed logins: the tests fail logins on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


@dataclass
class DovecotServer:
    """A throw-away Dovecot on 127.0.0.1 with users added on the fly."""

    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="stroydesk-imap-")))
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self._pools: dict[str, list[str]] = {}

    def start(self) -> DovecotServer:
        account = pwd.getpwnam("dovecot")
        self.uid, self.gid = account.pw_uid, account.pw_gid
        # Logins fail ("Temporary authentication failure") under a 0700 directory.
        self.base.chmod(0o755)
        for sub in ("run", "state", "mail"):
            (self.base / sub).mkdir(exist_ok=True)
        os.chown(self.base / "mail", self.uid, self.gid)
        (self.base / "users").write_text("")
        os.chmod(self.base / "users", 0o644)
        self._write_users("imap-secret-1")
        config = self.base / "dovecot.conf"
        config.write_text(
            _CONFIG.format(base=self.base, uid=self.uid, gid=self.gid, port=self.port)
        )
        # Output to a file, not a pipe: the daemon keeps inherited pipes open after it forks.
        with (self.base / "start.log").open("wb") as out:
            subprocess.run(
                [DOVECOT, "-c", str(config)],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=30,
            )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                log = self.base / "dovecot.log"
                text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"dovecot did not start on port {self.port}: {text}")
            time.sleep(0.02)

    def stop(self) -> None:
        pid_file = self.base / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(250):
                if not _alive(pid):
                    break
                time.sleep(0.02)
        shutil.rmtree(self.base, ignore_errors=True)

    def add_user(self, password: str = "imap-secret-1") -> str:
        """A user with an empty mailbox of its own.

        Dovecot looks at the users file at most once a second, so users are written in advance,
        in batches, and handed out from the pool.
        """
        if not self._pools.get(password):
            self._write_users(password)
            time.sleep(1.1)  # until Dovecot's next look at the file
        return self._pools[password].pop()

    def _write_users(self, password: str, count: int = 32) -> None:
        names = [f"u{uuid.uuid4().hex[:12]}" for _ in range(count)]
        with (self.base / "users").open("a") as users:
            for name in names:
                users.write(
                    f"{name}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{self.base}/mail/{name}\n"
                )
        self._pools.setdefault(password, []).extend(names)

    def maildir(self, user: str) -> Path:
        return self.base / "mail" / user / "Maildir"

    def connect(self, user: str, password: str = "imap-secret-1") -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(user, password)
        return conn

    def append(self, user: str, *messages: bytes, password: str = "imap-secret-1") -> None:
        """Put messages into the user's INBOX with IMAP APPEND, unread."""
        conn = self.connect(user, password)
        try:
            for raw in messages:
                response = conn.append("INBOX", "", None, raw)  # type: ignore[arg-type]
                if response[0] != "OK":
                    raise RuntimeError(f"APPEND failed: {response!r}")
        finally:
            conn.logout()

    def flags(self, user: str, folder: str = "INBOX", password: str = "imap-secret-1") -> list[str]:
        """The flags of every message in a folder, in UID order."""
        conn = self.connect(user, password)
        try:
            conn.select(folder, readonly=True)
            _status, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            return [item.decode() for item in data if isinstance(item, bytes)]
        finally:
            conn.logout()

    def count(self, user: str, folder: str = "INBOX", password: str = "imap-secret-1") -> int:
        conn = self.connect(user, password)
        try:
            status, data = conn.select(folder, readonly=True)
            return int(data[0] or 0) if status == "OK" else 0
        finally:
            conn.logout()


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for a parent that does not reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class SmtpCatcher:
    """An SMTP server on loopback (aiosmtpd) that keeps every message it accepts."""

    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.messages: list[dict[str, Any]] = []
        self.reject_with: str | None = None
        self._lock = threading.Lock()
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reject_with:
            return self.reject_with
        with self._lock:
            self.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "data": envelope.original_content or envelope.content,
                }
            )
        return "250 Message accepted for delivery"

    def start(self) -> SmtpCatcher:
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
