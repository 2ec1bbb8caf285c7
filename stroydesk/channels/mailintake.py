"""E-mail intake: each new message of the active mailboxes becomes a request, or a message on the
request it answers, exactly once.

Exactly once: the ``ProcessedMessage`` row (unique key from the Message-ID) is written in the same
transaction as the request; the message is marked on the IMAP server only after that commit. A
crash before the commit leaves the message unread on the server and nothing in the database, so
the next run takes it again; a crash after the commit but before the marking leaves a message
whose key is known, so the next run only marks it.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stroydesk.cases import services as cases
from stroydesk.cases.attachments import CheckedFile, check_attachment
from stroydesk.cases.intake import Contact, IncomingFile, Intake, register_request
from stroydesk.cases.models import Request
from stroydesk.channels.imap import ImapSession
from stroydesk.channels.mailauth import Verdict, sender_verdict
from stroydesk.channels.mailparse import (
    AUTO_REPLY,
    BOUNCE,
    ParsedMail,
    mentioned_message_ids,
    message_key,
    parse_message,
    strip_quoted,
)
from stroydesk.channels.models import Mailbox, ProcessedMessage, QuarantinedMessage
from stroydesk.notifications import selectors as notifications
from stroydesk.notifications import services as notify

log = logging.getLogger(__name__)

Outcome = ProcessedMessage.Outcome
DUPLICATE = "duplicate"
FETCH_BATCH = 100


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # a ProcessedMessage.Outcome, or "duplicate"
    request_id: int | None = None


@dataclass
class FetchReport:
    """What one run did with one mailbox."""

    mailbox: str
    outcomes: Counter[str] = field(default_factory=Counter)
    error: str = ""

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())


# --- One message ------------------------------------------------------------------------------


def message_ingest(*, raw: bytes, mailbox: Mailbox | None = None) -> IngestResult:
    """Handle one raw e-mail once: register it, thread it, ignore it, or quarantine it.

    Raises only for a transient database failure, when the message must be tried again later.
    What it writes for the operator (notes, quarantine reasons) is in the site's language.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _ingest(raw, mailbox)


def _ingest(raw: bytes, mailbox: Mailbox | None) -> IngestResult:
    try:
        parsed = parse_message(raw)
    except Exception as exc:  # bytes that are not a message at all: poison, not a crash
        return _quarantine(
            raw=raw,
            key=message_key(message_id="", raw=raw),
            parsed=None,
            reason=_("The message cannot be read: %(error)r") % {"error": exc},
            mailbox=mailbox,
        )
    cannot = _("The message cannot be registered:")
    for attempt in range(1, 4):
        if ProcessedMessage.objects.filter(key=parsed.key).exists():
            return IngestResult(DUPLICATE)
        try:
            with transaction.atomic():
                return _store(parsed, raw=raw, mailbox=mailbox)
        except cases.ConcurrentChange as exc:
            # An operator changed the request at the same moment: take the message again.
            reason = f"{cannot} {exc}"
            if attempt < 3:
                continue
        except (OperationalError, InterfaceError):
            raise
        except IntegrityError as exc:
            if ProcessedMessage.objects.filter(key=parsed.key).exists():
                return IngestResult(DUPLICATE)  # another run stored it a moment ago
            reason = f"{cannot} {exc}"
        except ValidationError as exc:
            reason = f"{cannot} " + "; ".join(_messages(exc))
        except Exception as exc:
            log.exception("e-mail %s could not be registered", parsed.message_id or parsed.key)
            reason = f"{cannot} {exc!r}"
        break
    return _quarantine(raw=raw, key=parsed.key, parsed=parsed, reason=reason, mailbox=mailbox)


def _store(parsed: ParsedMail, *, raw: bytes, mailbox: Mailbox | None) -> IngestResult:
    if parsed.kind == BOUNCE:
        _claim(parsed, mailbox, Outcome.BOUNCE)
        _mark_bounced(raw, parsed)
        return IngestResult(Outcome.BOUNCE)
    if parsed.kind == AUTO_REPLY:
        _claim(parsed, mailbox, Outcome.AUTO_REPLY)
        return IngestResult(Outcome.AUTO_REPLY)
    if not parsed.sender_email:
        raise ValidationError(_("The message has no sender address to answer to."))
    verdict = sender_verdict(
        raw, sender_email=parsed.sender_email, authserv_id=settings.MAIL_AUTHSERV_ID
    )
    accepted, refused = _check_files(parsed)
    target, by_our_letter = _thread_target(parsed)
    if target is not None and not (by_our_letter or verdict.authenticated):
        return _hold_for_review(parsed, raw=raw, mailbox=mailbox, request=target, verdict=verdict)
    if target is not None:
        claim = _claim(parsed, mailbox, Outcome.MESSAGE, verdict)
        text = strip_quoted(parsed.text) or parsed.subject or _files_only_text(accepted)
        cases.request_add_message(
            request=target,
            text=text,
            channel=Request.Channel.EMAIL,
            attachments=accepted,
            data={"message_id": parsed.message_id},
        )
        request = target
    else:
        claim = _claim(parsed, mailbox, Outcome.REQUEST, verdict)
        text = parsed.text or parsed.subject or _files_only_text(accepted)
        if not text:
            raise ValidationError(_("The message has neither a subject nor a text."))
        subject = parsed.subject or text.split("\n", 1)[0][:100]
        request = register_request(
            intake=Intake(
                channel=Request.Channel.EMAIL,
                subject=subject,
                text=text,
                files=[IncomingFile(name=f.name, size=f.size, file=f.file) for f in accepted],
                # A From: line is only a claim: an account's own request needs a proven sender.
                contact_verified=verdict.authenticated,
            ),
            contact=Contact(
                full_name=parsed.sender_name or parsed.sender_email.split("@", 1)[0],
                email=parsed.sender_email,
            ),
        )
    if refused:
        cases.request_add_note(
            request=request,
            by=None,
            text=_("Attachments of the e-mail that were not accepted:") + "\n" + "\n".join(refused),
        )
    ProcessedMessage.objects.filter(pk=claim.pk).update(request=request)
    # Our letters on this request answer the applicant's e-mails: notifications keeps their ids.
    notify.mail_thread_record(request_id=request.pk, message_id=parsed.message_id)
    return IngestResult(claim.outcome, request.pk)


def _claim(
    parsed: ParsedMail, mailbox: Mailbox | None, outcome: str, verdict: Verdict | None = None
) -> ProcessedMessage:
    """The exactly-once row, first in the transaction: a concurrent run waits on it and fails."""
    return ProcessedMessage.objects.create(
        key=parsed.key,
        message_id=parsed.message_id,
        mailbox=mailbox,
        outcome=outcome,
        sender=parsed.sender_email[:320],
        subject=parsed.subject[:300],
        authentication=verdict.result if verdict else ProcessedMessage.Authentication.NONE,
        authentication_results=verdict.details if verdict else "",
    )


def _hold_for_review(
    parsed: ParsedMail, *, raw: bytes, mailbox: Mailbox | None, request: Request, verdict: Verdict
) -> IngestResult:
    """A letter that names a request (its number in the subject) from the applicant's address,
    but whose sender the mail server did not authenticate: anybody can write that From: line.
    It is not added as the applicant's message. The request's staff get a note to look at it,
    and the letter is kept whole, attachments included, among the held messages."""
    claim = _claim(parsed, mailbox, Outcome.REVIEW, verdict)
    ProcessedMessage.objects.filter(pk=claim.pk).update(request=request)
    label = ProcessedMessage.Authentication(verdict.result).label
    reason = _(
        "A letter from %(sender)s names this request, but its sender is not proven (%(verdict)s); "
        "it was not added as the applicant's message. Check with the applicant before acting."
    ) % {"sender": parsed.sender_email, "verdict": label}
    QuarantinedMessage.objects.create(
        processed=claim,
        mailbox=mailbox,
        raw=raw,
        reason=reason[:5000],
        sender=parsed.sender_email[:320],
        subject=parsed.subject[:300],
    )
    text = strip_quoted(parsed.text) or parsed.subject
    cases.request_add_note(request=request, by=None, text=f"{reason}\n\n{text}"[:10000])
    return IngestResult(Outcome.REVIEW, request.pk)


def _quarantine(
    *, raw: bytes, key: str, parsed: ParsedMail | None, reason: str, mailbox: Mailbox | None
) -> IngestResult:
    sender = parsed.sender_email[:320] if parsed else ""
    subject = parsed.subject[:300] if parsed else ""
    with transaction.atomic():
        processed, created = ProcessedMessage.objects.get_or_create(
            key=key,
            defaults={
                "message_id": parsed.message_id if parsed else "",
                "mailbox": mailbox,
                "outcome": Outcome.QUARANTINED,
                "sender": sender,
                "subject": subject,
            },
        )
        if created:
            QuarantinedMessage.objects.create(
                processed=processed,
                mailbox=mailbox,
                raw=raw,
                reason=reason[:5000],
                sender=sender,
                subject=subject,
            )
    log.warning("e-mail quarantined (%s): %s", mailbox or "no mailbox", reason)
    return IngestResult(Outcome.QUARANTINED if created else DUPLICATE)


def _check_files(parsed: ParsedMail) -> tuple[list[CheckedFile], list[str]]:
    """Attachments that may be stored, and a line for each refused one (name: reason)."""
    accepted: list[CheckedFile] = []
    refused: list[str] = []
    for attachment in parsed.attachments:
        try:
            checked = check_attachment(
                name=attachment.name,
                size=len(attachment.content),
                file=io.BytesIO(attachment.content),
            )
        except ValidationError as exc:
            refused.append(f"«{attachment.name}»: " + " ".join(_messages(exc)))
            continue
        if len(accepted) >= settings.ATTACHMENT_MAX_COUNT:
            refused.append(
                f"«{attachment.name}»: "
                + _("more than %(count)d files in one message.")
                % {"count": settings.ATTACHMENT_MAX_COUNT}
            )
            continue
        accepted.append(checked)
    return accepted, refused


def _files_only_text(accepted: list[CheckedFile]) -> str:
    return _("(The text is in the attached files.)") if accepted else ""


def _request_numbers(subject: str) -> list[str]:
    prefix = settings.REQUEST_NUMBER_PREFIX
    pattern = re.compile(re.escape(prefix) + r"-(\d{4})-(\d{6})", re.IGNORECASE)
    return [f"{prefix}-{year}-{seq}" for year, seq in pattern.findall(subject)]


def _thread_target(parsed: ParsedMail) -> tuple[Request | None, bool]:
    """The request this message answers, and whether it answers one of our letters: by our
    Message-IDs it replies to, by an earlier message of the sender it refers to, or by a number
    in the subject. Only the applicant's own address may add to a request; anyone else starts
    a new one. Replying to our letter's Message-ID proves the mailbox read it (the id was
    sent there only); a number or an earlier id of the sender's is known to others too."""
    candidates: list[tuple[Request, bool]] = []
    ids = parsed.thread_ids
    if ids:
        ours_ids = notifications.outgoing_request_ids(message_ids=ids)
        ours_requests = Request.objects.select_related("applicant").in_bulk(set(ours_ids.values()))
        ours = {mid: ours_requests.get(request_id) for mid, request_id in ours_ids.items()}
        keys = {message_key(message_id=mid, raw=b""): mid for mid in ids}
        theirs = {
            keys[p.key]: p.request
            for p in ProcessedMessage.objects.filter(
                key__in=keys, request__isnull=False
            ).select_related("request__applicant")
        }
        for mid in ids:
            mine, sender_earlier = ours.get(mid), theirs.get(mid)
            if mine is not None:
                candidates.append((mine, True))
            elif sender_earlier is not None:
                candidates.append((sender_earlier, False))
    numbers = _request_numbers(parsed.subject)
    if numbers:
        by_number = {
            r.number: r
            for r in Request.objects.filter(number__in=numbers).select_related("applicant")
        }
        candidates.extend((by_number[n], False) for n in numbers if n in by_number)
    sender = parsed.sender_email.lower()
    for request, ours_ in candidates:
        if request.applicant.email.lower() == sender:
            return request, ours_
    return None, False


def _mark_bounced(raw: bytes, parsed: ParsedMail) -> None:
    ours = mentioned_message_ids(raw, notifications.message_id_domain())
    if ours:
        notify.outgoing_mark_bounced(message_ids=ours, reason=parsed.text)


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{k}: {m}" for k, msgs in exc.message_dict.items() for m in msgs]
    return list(exc.messages)


# --- Mailboxes --------------------------------------------------------------------------------


def mailbox_fetch(*, mailbox: Mailbox, batch_size: int = FETCH_BATCH) -> FetchReport:
    """Read one mailbox: every unread message is ingested, then marked on the server.

    A failure (refused login, network, a transient database error) is logged and recorded on
    the mailbox; what was settled before it stays settled, the rest is tried on the next run.
    """
    report = FetchReport(mailbox=mailbox.name)
    try:
        with ImapSession(mailbox) as session:
            uids = session.unseen_uids()
            for start in range(0, len(uids), batch_size):
                settled: list[bytes] = []
                try:
                    for uid, raw in session.fetch(uids[start : start + batch_size]):
                        result = message_ingest(raw=raw, mailbox=mailbox)
                        report.outcomes[result.outcome] += 1
                        settled.append(uid)
                finally:
                    # Only committed (or deliberately ignored) messages are marked.
                    session.settle(settled)
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}"
        log.warning("mailbox %s: %s", mailbox.name, report.error)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_checked_at=timezone.now(),
            last_error=report.error[:2000],
            failures=F("failures") + 1,
        )
    else:
        now = timezone.now()
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_checked_at=now, last_success_at=now, last_error="", failures=0
        )
    return report


def mail_fetch_all() -> list[FetchReport]:
    """Read every active mailbox, each on its own: one failing does not stop the others."""
    return [mailbox_fetch(mailbox=m) for m in Mailbox.objects.filter(is_active=True)]


def quarantine_retry(*, quarantined: QuarantinedMessage) -> IngestResult:
    """Take a quarantined message once more (after its cause was fixed); if it fails again it
    is quarantined again with the new reason."""
    raw = bytes(quarantined.raw)
    mailbox = quarantined.mailbox
    with transaction.atomic():
        quarantined.processed.delete()
        return message_ingest(raw=raw, mailbox=mailbox)
