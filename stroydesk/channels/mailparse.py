"""Reading a raw e-mail as it arrives from real mail programs: multipart or not, HTML-only,
quoted-printable or base64, in UTF-8, cp1251, KOI8-R or a charset that lies or does not exist.

Everything here is pure (no database): ``parse_message(raw)`` gives the sender, subject, a plain
text that is safe to show, the attachments, the Message-ID and threading headers, and whether the
message is an auto-reply or a delivery failure report. It never raises on bad input it can read
at all; what it cannot make sense of is left empty for the caller to decide.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parseaddr
from functools import lru_cache
from typing import Any

import nh3

MAX_SUBJECT = 300

NORMAL = "normal"
AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"


@dataclass(frozen=True)
class MailAttachment:
    name: str
    content: bytes


@dataclass(frozen=True)
class ParsedMail:
    """What a request needs from one e-mail."""

    key: str
    message_id: str
    sender_name: str
    sender_email: str
    subject: str
    text: str
    kind: str = NORMAL
    kind_reason: str = ""
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    attachments: tuple[MailAttachment, ...] = field(default_factory=tuple)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this message answers, the most direct first."""
        seen: dict[str, None] = {}
        for mid in (*self.in_reply_to, *reversed(self.references)):
            seen.setdefault(mid, None)
        return tuple(seen)


# --- Keys and identifiers ---------------------------------------------------------------------

_MSGID = re.compile(r"<([^<>\s]+)>")


def message_key(*, message_id: str, raw: bytes) -> str:
    """The exactly-once key: a hash of the Message-ID, or of the raw bytes when there is none."""
    if message_id:
        return "m:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()
    return "h:" + hashlib.sha256(raw).hexdigest()


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value))


def _one_message_id(value: str) -> str:
    found = _MSGID.search(value)
    if found:
        return found.group(1)[:990]
    return value.strip().strip("<>")[:990]


# --- Text cleaning and decoding ---------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CYRILLIC_LOWER = re.compile(r"[а-яё]")


def clean_text(value: str) -> str:
    """Text that any database and page can hold: no lone surrogates, NULs or control bytes."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset; when it is unknown or wrong, guess, never fail.

    Russian mail often declares nothing, or declares UTF-8 while sending cp1251: undeclared
    8-bit text is tried as UTF-8, then as cp1251 or KOI8-R, whichever yields ordinary
    lower-case Cyrillic (the two encodings swap the cases of each other's letters).
    """
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = None
    if charset:
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = [data.decode(name, errors="replace") for name in ("cp1251", "koi8_r")]
    return max(candidates, key=lambda text: len(_CYRILLIC_LOWER.findall(text)))


_BREAK = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_BLOCK_END = re.compile(
    r"<\s*/\s*(p|div|li|tr|h[1-6]|blockquote|pre|table|ul|ol|dd|dt|address)\s*>", re.IGNORECASE
)
_CELL_END = re.compile(r"<\s*/\s*t[dh]\s*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\xa0]+")
_MANY_BREAKS = re.compile(r"\n{3,}")


def html_to_text(markup: str) -> str:
    """Readable plain text from HTML: tags and scripts dropped, entities decoded, lines kept.

    The result is text, not markup: it is escaped like any other text when shown.
    """
    markup = re.sub(r"\s+", " ", markup)
    markup = _BREAK.sub("\n", markup)
    markup = _BLOCK_END.sub("\n", markup)
    markup = _CELL_END.sub("\t", markup)
    stripped = nh3.clean(
        markup, tags=set(), clean_content_tags={"script", "style", "title", "noscript"}
    )
    text = html.unescape(stripped)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_BREAKS.sub("\n\n", "\n".join(lines)).strip()


_QUOTE_HEADER = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|исходное сообщение|пересылаемое сообщение)\s*-{2,}"
    r"|on .{3,200} wrote:"
    r"|.{0,200}(?:пишет|писал|написал|написала|написал\(а\)):"
    r"|(?:from|от|отправлено|sent):\s.+)\s*$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """A reply without the quoted original below it (the request already has that text)."""
    kept: list[str] = []
    for line in text.split("\n"):
        if _QUOTE_HEADER.match(line) and kept:
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    result = "\n".join(kept).strip()
    return result or text.strip()


# --- Auto-replies and bounces -----------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[\s_-]*(?:reply|response)|autoreply|out of (?:the )?office"
    r"|vacation|away from|автоответ|автоматический ответ|отсутствую|в отпуске|нет на месте)",
    re.IGNORECASE,
)
_DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}


def _classify(msg: Message, sender_email: str, subject: str) -> tuple[str, str]:
    if msg.get_content_type() == "multipart/report":
        return BOUNCE, "multipart/report"
    if sender_email.split("@", 1)[0].lower() in _DAEMONS:
        return BOUNCE, f"From: {sender_email}"
    if _header(msg, "X-Failed-Recipients"):
        return BOUNCE, "X-Failed-Recipients"
    auto = _header(msg, "Auto-Submitted").strip().lower()
    if auto and not auto.startswith("no"):
        return AUTO_REPLY, f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        value = _header(msg, name).strip().lower()
        if value and value not in {"no", "false", "0"}:
            return AUTO_REPLY, f"{name}: {value}"
    precedence = _header(msg, "Precedence").strip().lower()
    if precedence in {"bulk", "auto_reply", "junk", "list"}:
        return AUTO_REPLY, f"Precedence: {precedence}"
    if _AUTO_SUBJECT.match(subject):
        return AUTO_REPLY, f"Subject: {subject[:60]}"
    return NORMAL, ""


# --- Headers that may be malformed ------------------------------------------------------------


def _header(msg: Message, name: str) -> str:
    """A header as text; a header the modern parser chokes on is read the old, forgiving way."""
    try:
        value = msg.get(name)
        return clean_text(str(value)) if value is not None else ""
    except Exception:
        return _raw_header(msg, name)


def _raw_header(msg: Message, name: str) -> str:
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return clean_text(str(value))
    return ""


def _sender(msg: Message) -> tuple[str, str]:
    value = ""
    try:
        header = msg.get("From")
        addresses = getattr(header, "addresses", ())
        if addresses and "@" in addresses[0].addr_spec:
            return clean_text(addresses[0].display_name), clean_text(addresses[0].addr_spec).strip()
        value = str(header or "")
    except Exception:
        value = _raw_header(msg, "From")
    name, address = parseaddr(value)
    if not address:
        pairs = getaddresses([value])
        name, address = pairs[0] if pairs else ("", "")
    address = clean_text(address).strip()
    return clean_text(name), address if "@" in address else ""


# --- Body and attachments ---------------------------------------------------------------------


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = decode_bytes(payload, part.get_content_charset())
    if part.get_content_type() == "text/html":
        return html_to_text(text)
    return text


def _body_part(msg: EmailMessage) -> Message | None:
    try:
        return msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        return None


def _attachment_name(part: Message, number: int) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name:
        return clean_text(name).strip() or f"attachment-{number}"
    extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
    return f"attachment-{number}{extension}"


def _collect_attachments(part: Message, body: Message | None, found: list[MailAttachment]) -> None:
    if part is body:
        return
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        content = b""
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                content = inner[0].as_bytes()
            except Exception:
                content = b""
        name = _attachment_name(part, len(found) + 1)
        if name.startswith("attachment-"):
            name = f"message-{len(found) + 1}.eml"
        found.append(MailAttachment(name=name, content=content))
        return
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _collect_attachments(sub, body, found)
        return
    disposition = part.get_content_disposition()
    has_name = bool(
        part.get_param("name") or part.get_param("filename", header="content-disposition")
    )
    if content_type in {"text/plain", "text/html"} and disposition != "attachment" and not has_name:
        return  # the other alternative of the body, not a file the sender attached
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        found.append(MailAttachment(name=_attachment_name(part, len(found) + 1), content=payload))


# --- The parser -------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _parsed_header(name: str, value: str) -> Any:
    return policy.default.header_fetch_parse(name, value)


class _RememberingPolicy(EmailPolicy):
    """``policy.default``, remembering parsed headers: its header parser is the slowest part of
    reading mail, and the same Content-Type is asked for many times, in many messages."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if isinstance(value, str) and len(value) <= 1000:
            return _parsed_header(name, value)
        return super().header_fetch_parse(name, value)


_POLICY = _RememberingPolicy()


def parse_message(raw: bytes) -> ParsedMail:
    """Parse one raw e-mail. Raises only when the bytes are not a message at all."""
    msg = BytesParser(policy=_POLICY).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    message_id = _one_message_id(_header(msg, "Message-ID"))
    sender_name, sender_email = _sender(msg)
    subject = " ".join(_header(msg, "Subject").split())[:MAX_SUBJECT]
    kind, reason = _classify(msg, sender_email, subject)
    body = _body_part(msg)
    text = clean_text(_part_text(body)).strip() if body is not None else ""
    attachments: list[MailAttachment] = []
    if kind == NORMAL:
        _collect_attachments(msg, body, attachments)
    return ParsedMail(
        key=message_key(message_id=message_id, raw=raw),
        message_id=message_id,
        sender_name=sender_name,
        sender_email=sender_email,
        subject=subject,
        text=text,
        kind=kind,
        kind_reason=reason,
        in_reply_to=_message_ids(_header(msg, "In-Reply-To")),
        references=_message_ids(_header(msg, "References")),
        attachments=tuple(attachments),
    )


def mentioned_message_ids(raw: bytes, domain: str) -> set[str]:
    """Message-IDs of our own domain anywhere in a raw message (a bounce quotes the original)."""
    pattern = re.compile(rb"<([A-Za-z0-9._-]+@" + re.escape(domain.encode()) + rb")>")
    return {m.decode("ascii") for m in pattern.findall(raw)}
