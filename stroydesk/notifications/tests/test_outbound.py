"""Outgoing e-mail through a real SMTP server on loopback: logged, threaded, retried, sent once."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from stroydesk.cases.tests.factories import ApplicantFactory, make_request
from stroydesk.channels.mailintake import message_ingest
from stroydesk.channels.models import ProcessedMessage
from stroydesk.channels.testing import SmtpCatcher, free_port
from stroydesk.channels.tests.conftest import corpus
from stroydesk.notifications import outbound
from stroydesk.notifications.models import OutgoingMessage
from stroydesk.notifications.outbound import send_email

pytestmark = pytest.mark.django_db
Status = OutgoingMessage.Status


def _scheduled_deliveries() -> list:
    """Take the delivery retries out of the (in-memory) schedule of the immediate-mode queue."""
    # Huey keeps naive UTC times.
    tasks = HUEY.read_schedule(timezone.now().replace(tzinfo=None) + timedelta(days=1))
    return [t for t in tasks if t.name.endswith("deliver_email")]


def _received(catcher: SmtpCatcher):
    return [message_from_bytes(m["data"], policy=policy.default) for m in catcher.messages]


def test_mail_is_sent_once_with_our_message_id(smtp, django_capture_on_commit_callbacks):
    request = make_request()
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_email(
            key="registered:1:1",
            to=["kuznetsov@example.ru"],
            subject=f"Обращение {request.number} зарегистрировано",
            body="Ваше обращение зарегистрировано.",
            request=request.pk,
            event="registered",
        )
    assert sent is not None
    [mail] = _received(smtp)
    # A long Message-ID is folded onto its own line; the unfolded value keeps the space.
    assert mail["Message-ID"].strip() == f"<{sent.message_id}>"
    assert sent.message_id.startswith(f"request-{request.pk}-registered-")
    assert sent.message_id.endswith("@stroydesk")
    assert mail["Subject"].strip() == f"Обращение {request.number} зарегистрировано"
    assert smtp.messages[0]["to"] == ["kuznetsov@example.ru"]
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (Status.SENT, 1)

    with django_capture_on_commit_callbacks(execute=True):
        again = send_email(key="registered:1:1", to=["kuznetsov@example.ru"], subject="x", body="y")
    assert again == sent
    assert outbound.outgoing_deliver(outgoing_id=sent.pk) is None
    assert len(smtp.messages) == 1
    assert OutgoingMessage.objects.count() == 1


def test_server_down_is_retried_with_backoff_and_delivered_once(
    settings, django_capture_on_commit_callbacks
):
    _scheduled_deliveries()  # nothing left over from other tests
    down = SmtpCatcher(port=free_port())  # not started yet: connections are refused
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = down.host, down.port, 5
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_email(key="answered:7:42", to=["a@example.ru"], subject="s", body="b")
    assert sent is not None
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (Status.PENDING, 1)
    assert "Connection refused" in sent.last_error or "ConnectionRefused" in sent.last_error
    [retry] = _scheduled_deliveries()
    assert 25 <= (retry.eta - timezone.now().replace(tzinfo=None)).total_seconds() <= 31

    HUEY.execute(retry, timestamp=retry.eta)  # its time has come; still down: a longer pause
    [retry] = _scheduled_deliveries()
    assert 55 <= (retry.eta - timezone.now().replace(tzinfo=None)).total_seconds() <= 61

    down.start()
    try:
        HUEY.execute(retry, timestamp=retry.eta)
        HUEY.execute(retry, timestamp=retry.eta)  # a duplicated retry must not send again
    finally:
        down.stop()
    assert len(down.messages) == 1
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.last_error) == (Status.SENT, 3, "")
    assert _scheduled_deliveries() == []


def test_backoff_grows_to_an_hour():
    assert [outbound.retry_delay(n) for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_permanent_refusal_is_not_retried(smtp, django_capture_on_commit_callbacks):
    _scheduled_deliveries()
    smtp.reject_with = "550 5.1.1 Mailbox does not exist"
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_email(key="k-550", to=["nobody@example.ru"], subject="s", body="b")
    assert sent is not None
    sent.refresh_from_db()
    assert sent.status == Status.FAILED
    assert "550" in sent.last_error
    assert _scheduled_deliveries() == []


def test_mail_to_an_email_applicant_answers_their_letter_and_their_reply_threads_back(
    smtp, django_capture_on_commit_callbacks
):
    result = message_ingest(raw=corpus("01_plain_utf8.eml"))
    request_id = result.request_id
    with django_capture_on_commit_callbacks(execute=True):
        send_email(
            key=f"answered:{request_id}:1",
            to=["kuznetsov@example.ru"],
            subject="Ответ на обращение",
            body="Разрешение не требуется.",
            request=request_id,
            event="answered",
        )
    [ours] = _received(smtp)
    assert ours["In-Reply-To"] == "<plain-utf8-0001@mail.example.ru>"
    assert "<plain-utf8-0001@mail.example.ru>" in ours["References"]

    reply = (
        "From: kuznetsov@example.ru\r\nTo: ekc@stroydesk.local\r\nSubject: Re: thanks\r\n"
        f"Message-ID: <thanks-1@mail.example.ru>\r\nIn-Reply-To: {ours['Message-ID']}\r\n"
        f"References: {ours['References']} {ours['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nСпасибо за ответ!\r\n"
    ).encode()
    assert message_ingest(raw=reply).outcome == ProcessedMessage.Outcome.MESSAGE
    assert ProcessedMessage.objects.get(message_id="thanks-1@mail.example.ru").request_id == (
        request_id
    )


def test_no_recipient_means_no_mail():
    assert send_email(key="none", to=["", " "], subject="s", body="b") is None
    assert OutgoingMessage.objects.count() == 0


def test_registration_notice_goes_through_the_outbound_log(
    smtp, django_capture_on_commit_callbacks
):
    applicant = ApplicantFactory(email="notice@example.ru")
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request(applicant=applicant)
    outgoing = OutgoingMessage.objects.get(request=request)
    assert outgoing.status == Status.SENT
    assert outgoing.event == "registered"
    [mail] = _received(smtp)
    assert mail["Message-ID"].strip() == f"<{outgoing.message_id}>"
    assert request.number in mail["Subject"]


def _database_away_for(monkeypatch, failures: int) -> list[int]:
    """The *sent* mark's UPDATE fails ``failures`` times as with the database restarting."""
    from django.db import OperationalError
    from django.db.models.query import QuerySet

    real_update = QuerySet.update
    calls: list[int] = []

    def update(self, **kwargs):
        if self.model is OutgoingMessage and kwargs.get("status") == Status.SENT:
            calls.append(1)
            if len(calls) <= failures:
                raise OperationalError("the database system is shutting down")
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    monkeypatch.setattr(outbound.time, "sleep", lambda _s: None)
    return calls


def _logged(key: str) -> OutgoingMessage:
    return OutgoingMessage.objects.create(
        key=key, to=["a@example.ru"], subject="Тема", body="Текст", message_id=f"{key}@x"
    )


def test_a_sent_letter_waits_for_the_database_to_mark_it_sent(smtp, monkeypatch):
    # The SMTP server took it; a letter left *sending* would be sent again after the lease.
    calls = _database_away_for(monkeypatch, failures=3)
    letter = _logged("mark-waits")
    assert outbound.outgoing_deliver(outgoing_id=letter.pk) is None
    letter.refresh_from_db()
    assert (letter.status, len(calls), len(smtp.messages)) == (Status.SENT, 4, 1)


def test_a_database_away_past_half_the_lease_leaves_the_letter_sending(smtp, monkeypatch, settings):
    from django.db import OperationalError

    settings.EMAIL_SENDING_LEASE_SECONDS = 1  # the pauses (0.2, 0.4) exhaust half of it
    ticks = iter(range(0, 1000))
    monkeypatch.setattr(outbound.time, "monotonic", lambda: next(ticks) * 0.3)
    _database_away_for(monkeypatch, failures=10**6)
    letter = _logged("mark-gives-up")
    with pytest.raises(OperationalError):
        outbound.outgoing_deliver(outgoing_id=letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.SENDING and len(smtp.messages) == 1
