"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), as authenticator apps make
them: HMAC-SHA1 of the 30-second step number, six digits, the secret in base32."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# A code of the step before or after is taken too: phones' clocks drift, people type slowly.
DRIFT_STEPS = 1


def random_secret() -> str:
    """160 random bits (RFC 4226's recommended length) in base32, as apps expect it."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def step_at(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def hotp(secret: str, counter: int) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def code_at(secret: str, at: float | None = None) -> str:
    """The code an app shows at the moment ``at`` (seconds since the epoch; now by default)."""
    return hotp(secret, step_at(at))


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The step whose code this is, within the allowed drift; None for a wrong code."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    now = step_at(at)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(secret, step), code):
            return step
    return None


def otpauth_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://`` address an app reads from a QR code or a pasted link."""
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"
