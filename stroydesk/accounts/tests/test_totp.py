"""The one-time codes are those of RFC 6238 (its appendix B test values, SHA-1, last six
digits), so any authenticator app agrees with them."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import pytest

from stroydesk.accounts import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("at", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_are_those_of_rfc_6238(at, code):
    assert totp.code_at(RFC_SECRET, at) == code
    assert totp.matching_step(RFC_SECRET, code, at) == at // 30


def test_a_code_of_the_next_or_last_step_is_taken_one_further_is_not():
    at = 1234567890
    for drift in (-30, 30):
        assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, at + drift), at)
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, at + 90), at) is None
    for wrong in ("", "12345", "1234567", "abcdef", "²²²²²²", "００５９２４"):
        assert totp.matching_step(RFC_SECRET, wrong, at) is None
    assert totp.matching_step(RFC_SECRET, "005 924", at) == at // 30


def test_the_otpauth_link_carries_the_secret_and_the_issuer():
    secret = totp.random_secret()
    assert len(base64.b32decode(secret)) == 20
    uri = urlparse(totp.otpauth_uri(secret, account="operator", issuer="ЕКЦ"))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    query = parse_qs(uri.query)
    assert query["secret"] == [secret] and query["issuer"] == ["ЕКЦ"]
