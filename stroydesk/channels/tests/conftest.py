"""Fixtures of the channel tests: the .eml corpus, a private Dovecot, an SMTP server to read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from email.header import Header
from pathlib import Path

import pytest

from stroydesk.channels.models import Mailbox
from stroydesk.channels.testing import DovecotServer, SmtpCatcher, dovecot_missing_reason

CORPUS = Path(__file__).parent / "corpus"
IMAP_PASSWORD = "imap-secret-1"


def corpus(name: str, *, number: str = "", our_id: str = "") -> bytes:
    """A corpus message; placeholders take a request number (as an encoded word) or our id."""
    data = (CORPUS / name).read_bytes()
    if number:
        data = data.replace(b"{{NUMBER}}", Header(number, "utf-8").encode().encode())
    if our_id:
        data = data.replace(b"{{OUR_ID}}", our_id.encode())
    return data


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    reason = dovecot_missing_reason()
    if reason:
        if os.environ.get("STROYDESK_STRICT") == "1":
            pytest.fail(f"STROYDESK_STRICT=1 and the IMAP tests cannot run: {reason}")
        pytest.skip(f"IMAP tests need a real Dovecot: {reason}")
    server = DovecotServer().start()
    yield server
    server.stop()


@pytest.fixture
def imap_mailbox(db, dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    """A mailbox record pointing at a fresh, empty Dovecot user."""
    user = dovecot.add_user(IMAP_PASSWORD)
    monkeypatch.setenv("STROYDESK_TEST_IMAP_PASSWORD", IMAP_PASSWORD)
    return Mailbox.objects.create(
        name=f"intake {user}",
        host=dovecot.host,
        port=dovecot.port,
        security=Mailbox.Security.PLAIN,
        username=user,
        password_env="STROYDESK_TEST_IMAP_PASSWORD",
    )


@pytest.fixture
def smtp(settings) -> Iterator[SmtpCatcher]:
    """A real SMTP server on loopback that Django's SMTP backend sends to."""
    catcher = SmtpCatcher().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = catcher.host
    settings.EMAIL_PORT = catcher.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield catcher
    catcher.stop()
