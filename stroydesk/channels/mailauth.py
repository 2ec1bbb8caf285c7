"""Whether a letter's sender is who the From: line says: the verdict of SPF, DKIM and DMARC as
the receiving mail server wrote it in ``Authentication-Results`` (RFC 8601).

We do not check signatures ourselves: the server that took the letter from the Internet did,
and wrote its findings on top of the letter. Only its header counts, since a sender can put any
header into the letter: the ones naming our server (``MAIL_AUTHSERV_ID``), or without that
setting the topmost one, which the last server (ours) added. Pure: no database.

A pass is DMARC's pass, or a DKIM signature or SPF pass for the From: address's own domain
(what DMARC would count as aligned). A fail is a DMARC fail, or a failing DKIM or SPF with
nothing passing. Without results the sender is not proven either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser

PASS = "pass"
FAIL = "fail"
NONE = "none"

_COMMENT = re.compile(r"\([^()]*\)")
_HEADER_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Verdict:
    """The sender's authentication: ``PASS``, ``FAIL`` or ``NONE``, and the results it rests on
    (the trusted header, unfolded), to show the operator."""

    result: str
    details: str = ""

    @property
    def authenticated(self) -> bool:
        return self.result == PASS


def _results(header: str) -> tuple[str, list[tuple[str, str, dict[str, str]]]]:
    """(authserv-id, [(method, result, {property: value})])."""
    text = _COMMENT.sub(" ", " ".join(header.split()))
    parts = [p.strip() for p in text.split(";")]
    server = parts[0].split()[0].lower() if parts and parts[0].split() else ""
    found = []
    for part in parts[1:]:
        words = part.split()
        if not words or "=" not in words[0]:
            continue
        method, result = words[0].split("=", 1)
        props = {}
        for word in words[1:]:
            if "=" in word:
                name, value = word.split("=", 1)
                props[name.lower()] = value.strip('"').lower()
        found.append((method.lower(), result.lower(), props))
    return server, found


def _aligned(domain: str, sender_domain: str) -> bool:
    domain = domain.rsplit("@", 1)[-1].strip(".")
    return bool(domain) and (sender_domain == domain or sender_domain.endswith("." + domain))


def sender_verdict(raw: bytes, *, sender_email: str, authserv_id: str = "") -> Verdict:
    """The verdict on ``sender_email`` (the From: address) from the letter's trusted
    Authentication-Results."""
    headers = BytesParser(policy=policy.compat32).parsebytes(raw[:_HEADER_LIMIT], headersonly=True)
    found = [str(h) for h in headers.get_all("Authentication-Results") or []]
    if authserv_id:
        trusted = [h for h in found if _results(h)[0] == authserv_id.lower()]
    else:
        trusted = found[:1]
    if not trusted:
        return Verdict(NONE)
    sender_domain = sender_email.rsplit("@", 1)[-1].lower()
    results = [r for h in trusted for r in _results(h)[1]]
    details = "\n".join(" ".join(h.split()) for h in trusted)[:2000]
    passed = failed = False
    for method, result, props in results:
        if method == "dmarc":
            if result == PASS and _aligned(props.get("header.from", sender_domain), sender_domain):
                passed = True
            elif result == FAIL:
                return Verdict(FAIL, details)
        elif method == "dkim":
            signer = props.get("header.d") or props.get("header.i", "")
            if result == PASS and _aligned(signer, sender_domain):
                passed = True
            elif result in (FAIL, "permerror"):
                failed = True
        elif method == "spf":
            envelope = props.get("smtp.mailfrom") or props.get("smtp.helo", "")
            if result == PASS and _aligned(envelope, sender_domain):
                passed = True
            elif result in (FAIL, "softfail"):
                failed = True
    if passed:
        return Verdict(PASS, details)
    return Verdict(FAIL if failed else NONE, details)
