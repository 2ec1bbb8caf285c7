"""Turning parsed mail into requests exactly once (database, no IMAP server)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from stroydesk.accounts.models import Applicant
from stroydesk.cases.models import Attachment, History, Request
from stroydesk.cases.tests.factories import ApplicantFactory, make_request
from stroydesk.channels import mailintake
from stroydesk.channels.mailintake import message_ingest
from stroydesk.channels.models import ProcessedMessage, QuarantinedMessage
from stroydesk.channels.tests.conftest import corpus
from stroydesk.notifications.models import OutgoingMessage
from stroydesk.notifications.outbound import send_email

pytestmark = pytest.mark.django_db
Outcome = ProcessedMessage.Outcome


def test_new_message_from_unknown_sender_registers_a_request_and_an_applicant():
    result = message_ingest(raw=corpus("01_plain_utf8.eml"))
    assert result.outcome == Outcome.REQUEST
    request = Request.objects.get(pk=result.request_id)
    assert request.channel == Request.Channel.EMAIL
    assert request.subject == "Разрешение на строительство гаража"
    assert "гаража на участке ИЖС" in request.text
    assert request.applicant.email == "kuznetsov@example.ru"
    assert request.applicant.full_name == "Сергей Кузнецов"
    processed = ProcessedMessage.objects.get()
    assert (processed.request_id, processed.message_id) == (
        request.pk,
        "plain-utf8-0001@mail.example.ru",
    )


def test_known_sender_is_matched_not_duplicated():
    known = ApplicantFactory(email="smirnov@example.ru", full_name="Смирнов Иван Петрович")
    result = message_ingest(raw=corpus("04_cp1251_8bit.eml"))
    assert Request.objects.get(pk=result.request_id).applicant == known
    assert Applicant.objects.filter(email="smirnov@example.ru").count() == 1


def test_the_same_message_twice_registers_one_request():
    raw = corpus("02_alternative_qp.eml")
    assert message_ingest(raw=raw).outcome == Outcome.REQUEST
    assert message_ingest(raw=raw).outcome == mailintake.DUPLICATE
    assert Request.objects.count() == 1


def test_message_without_message_id_is_deduplicated_by_its_bytes():
    raw = corpus("19_no_message_id.eml")
    assert message_ingest(raw=raw).outcome == Outcome.REQUEST
    assert message_ingest(raw=raw).outcome == mailintake.DUPLICATE
    assert Request.objects.count() == 1


def test_allowed_attachment_is_stored_and_refused_ones_are_listed_to_the_operator():
    result = message_ingest(raw=corpus("09_attachments.eml"))
    request = Request.objects.get(pk=result.request_id)
    assert list(
        Attachment.objects.filter(request=request).values_list("original_name", flat=True)
    ) == ["план участка.pdf"]
    note = History.objects.get(request=request, action="note")
    assert note.is_public is False
    assert "«setup.exe»" in note.comment and "«letter.docx»" in note.comment
    assert "план участка.pdf" not in note.comment


def test_reply_with_the_number_in_the_subject_becomes_a_message_on_the_request():
    applicant = ApplicantFactory(email="kuznetsov@example.ru")
    request = make_request(applicant=applicant)
    result = message_ingest(raw=corpus("17_reply_by_subject.eml", number=request.number))
    assert result == mailintake.IngestResult(Outcome.MESSAGE, request.pk)
    assert Request.objects.count() == 1
    message = History.objects.get(request=request, action="message")
    assert message.is_public
    assert message.comment == "Уточняю: участок 77:01:0001001:1234, гараж 6×4 м."
    assert message.data["channel"] == "email"


def test_a_stranger_quoting_a_number_starts_a_new_request():
    request = make_request(applicant=ApplicantFactory(email="someone.else@example.ru"))
    result = message_ingest(raw=corpus("17_reply_by_subject.eml", number=request.number))
    assert result.outcome == Outcome.REQUEST
    assert result.request_id != request.pk
    assert not History.objects.filter(request=request, action="message").exists()


def test_reply_threaded_by_in_reply_to_our_message_id(settings):
    applicant = ApplicantFactory(email="kuznetsov@example.ru")
    request = make_request(applicant=applicant)
    sent = send_email(
        key=f"test:{request.pk}",
        to=[applicant.email],
        subject=f"Обращение {request.number}",
        body="…",
        request=request.pk,
        event="registered",
    )
    assert sent is not None
    result = message_ingest(raw=corpus("18_reply_by_headers.eml", our_id=sent.message_id))
    assert result == mailintake.IngestResult(Outcome.MESSAGE, request.pk)
    message = History.objects.get(request=request, action="message")
    assert message.comment == "Прилагаю номер участка: 77:01:0001001:1234"


def test_reply_while_waiting_for_the_applicant_is_the_clarification(operator):
    applicant = ApplicantFactory(email="kuznetsov@example.ru")
    request = make_request(
        applicant=applicant, status=Request.Status.WAITING_APPLICANT, operator=operator
    )
    message_ingest(raw=corpus("17_reply_by_subject.eml", number=request.number))
    request.refresh_from_db()
    assert request.status == Request.Status.IN_PROGRESS
    clarify = History.objects.get(request=request, action="clarify")
    assert clarify.actor is None
    assert clarify.comment.startswith("Уточняю")


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("11_auto_submitted.eml", Outcome.AUTO_REPLY),
        ("12_x_autoreply.eml", Outcome.AUTO_REPLY),
        ("13_precedence_bulk.eml", Outcome.AUTO_REPLY),
        ("14_vacation_subject.eml", Outcome.AUTO_REPLY),
        ("16_bounce_mailer_daemon.eml", Outcome.BOUNCE),
    ],
)
def test_auto_replies_and_bounces_are_not_requests(name, outcome):
    assert message_ingest(raw=corpus(name)).outcome == outcome
    assert Request.objects.count() == 0
    assert ProcessedMessage.objects.get().outcome == outcome


def test_bounce_marks_our_outgoing_message_bounced():
    request = make_request()
    sent = send_email(
        key="bounce-test", to=["nobody@example.ru"], subject="s", body="b", request=request.pk
    )
    assert sent is not None
    result = message_ingest(raw=corpus("15_bounce_report.eml", our_id=sent.message_id))
    assert result.outcome == Outcome.BOUNCE
    sent.refresh_from_db()
    assert sent.status == OutgoingMessage.Status.BOUNCED
    assert "could not be delivered" in sent.last_error
    assert Request.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("20_poison_no_sender.eml", "нет адреса отправителя"),
        ("21_poison_empty.eml", "нет ни темы, ни текста"),
    ],
)
def test_poison_messages_are_quarantined_once_with_their_reason(name, reason):
    raw = corpus(name)
    assert message_ingest(raw=raw).outcome == Outcome.QUARANTINED
    assert message_ingest(raw=raw).outcome == mailintake.DUPLICATE
    quarantined = QuarantinedMessage.objects.get()
    assert reason in quarantined.reason
    assert bytes(quarantined.raw) == raw
    assert Request.objects.count() == 0


def test_invalid_sender_address_is_quarantined_not_crashing():
    raw = corpus("01_plain_utf8.eml").replace(b"kuznetsov@example.ru", b"kuznetsov@-bad-.example")
    assert message_ingest(raw=raw).outcome == Outcome.QUARANTINED
    assert "email:" in QuarantinedMessage.objects.get().reason


def test_transient_database_error_is_raised_and_leaves_nothing(monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(mailintake, "register_request", locked)
    with pytest.raises(OperationalError):
        message_ingest(raw=corpus("01_plain_utf8.eml"))
    assert ProcessedMessage.objects.count() == 0
    assert QuarantinedMessage.objects.count() == 0


def test_quarantined_message_can_be_taken_again_after_the_cause_is_fixed(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug that was fixed later")

    real = mailintake.register_request
    monkeypatch.setattr(mailintake, "register_request", broken)
    assert message_ingest(raw=corpus("05_koi8r_qp.eml")).outcome == Outcome.QUARANTINED
    monkeypatch.setattr(mailintake, "register_request", real)
    quarantined = QuarantinedMessage.objects.get()
    assert "a bug that was fixed later" in quarantined.reason
    result = mailintake.quarantine_retry(quarantined=quarantined)
    assert result.outcome == Outcome.REQUEST
    assert QuarantinedMessage.objects.count() == 0
    assert ProcessedMessage.objects.get().request_id == result.request_id
