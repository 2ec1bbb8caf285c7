"""A small IMAP client over imaplib for reading an intake mailbox: new messages by UID, fetched
without marking them read, and marked (or moved) only when the caller says they are settled."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import re
import ssl
from collections.abc import Iterator, Sequence
from types import TracebackType

from stroydesk.channels.models import Mailbox

TIMEOUT_SECONDS = 30
# imaplib refuses response lines over 1 MB; the UID list of a big unread backlog is one line.
imaplib._MAXLINE = max(imaplib._MAXLINE, 20_000_000)  # type: ignore[attr-defined]
_UID = re.compile(rb"\bUID (\d+)")


class ImapError(Exception):
    """The server refused a command (login, folder, fetch)."""


def encode_folder(name: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 (RFC 3501 §5.1.3), quoted."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            chunk = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(chunk).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    encoded = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{encoded}"'


def uid_set(uids: Sequence[bytes]) -> bytes:
    """UIDs as a compact set: 1:5,9,12:14."""
    numbers = sorted(int(u) for u in uids)
    parts: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:]:
        if n == prev + 1:
            prev = n
            continue
        parts.append(f"{start}:{prev}" if start != prev else str(start))
        start = prev = n
    parts.append(f"{start}:{prev}" if start != prev else str(start))
    return ",".join(parts).encode()


class ImapSession:
    """One connection to a mailbox's folder; use as a context manager."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.conn: imaplib.IMAP4 | None = None

    def __enter__(self) -> ImapSession:
        box = self.mailbox
        password = box.password()
        context = ssl.create_default_context()
        if box.security == Mailbox.Security.SSL:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                box.host, box.port, ssl_context=context, timeout=TIMEOUT_SECONDS
            )
        else:
            conn = imaplib.IMAP4(box.host, box.port, timeout=TIMEOUT_SECONDS)
            if box.security == Mailbox.Security.STARTTLS:
                conn.starttls(ssl_context=context)
        self.conn = conn
        try:
            conn.login(box.username, password)
            status, data = conn.select(encode_folder(box.folder))
            if status != "OK":
                raise ImapError(f"cannot open folder {box.folder!r}: {_text(data)}")
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()

    def _close(self) -> None:
        if self.conn is None:
            return
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self.conn.logout()
        self.conn = None

    def _command(self, *args: str | bytes) -> list:
        assert self.conn is not None
        status, data = self.conn.uid(*args)  # type: ignore[arg-type]
        if status != "OK":
            raise ImapError(f"UID {args[0]!s} failed: {_text(data)}")
        return data

    def unseen_uids(self) -> list[bytes]:
        """UIDs of the messages not marked read, oldest first."""
        data = self._command("SEARCH", "UNSEEN")
        return sorted((data[0] or b"").split(), key=int)

    def fetch(self, uids: Sequence[bytes]) -> Iterator[tuple[bytes, bytes]]:
        """(uid, raw message) for each UID, without setting \\Seen."""
        if not uids:
            return
        data = self._command("FETCH", uid_set(uids), "(UID BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                found = _UID.search(item[0])
                if found:
                    yield found.group(1), item[1]

    def settle(self, uids: Sequence[bytes]) -> None:
        """Mark messages as handled: moved to the processed folder, or flagged \\Seen."""
        if not uids:
            return
        target = self.mailbox.processed_folder
        if target:
            assert self.conn is not None
            self.conn.create(encode_folder(target))  # answers NO when it exists: fine
            self._command("MOVE", uid_set(uids), encode_folder(target))
        else:
            self._command("STORE", uid_set(uids), "+FLAGS.SILENT", r"(\Seen)")


def _text(data: object) -> str:
    if isinstance(data, list) and data and isinstance(data[0], bytes):
        return data[0].decode("utf-8", "replace")
    return str(data)
