"""E-mail intake against a real Dovecot: fetch, register, mark read only after commit."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from stroydesk.cases.models import Request
from stroydesk.channels import mailintake, tasks
from stroydesk.channels.imap import ImapSession
from stroydesk.channels.models import Mailbox, ProcessedMessage, QuarantinedMessage
from stroydesk.channels.testing import free_port
from stroydesk.channels.tests.conftest import IMAP_PASSWORD, corpus

Outcome = ProcessedMessage.Outcome
MIXED = [
    "01_plain_utf8.eml",
    "04_cp1251_8bit.eml",
    "09_attachments.eml",
    "11_auto_submitted.eml",
    "16_bounce_mailer_daemon.eml",
    "20_poison_no_sender.eml",
]


class Crash(BaseException):
    """The process dying: not an error any handler of ours would catch."""


def _all_seen(dovecot, user) -> bool:
    flags = dovecot.flags(user)
    return bool(flags) and all("\\Seen" in f for f in flags)


def test_fetch_mail_registers_new_mail_and_marks_everything_read(dovecot, imap_mailbox, capsys):
    dovecot.append(imap_mailbox.username, *(corpus(n) for n in MIXED))
    call_command("fetch_mail")
    assert "request: 3" in capsys.readouterr().out
    assert Request.objects.filter(channel=Request.Channel.EMAIL).count() == 3
    outcomes = sorted(ProcessedMessage.objects.values_list("outcome", flat=True))
    assert outcomes == sorted(
        [Outcome.REQUEST] * 3 + [Outcome.AUTO_REPLY, Outcome.BOUNCE, Outcome.QUARANTINED]
    )
    assert QuarantinedMessage.objects.get().mailbox == imap_mailbox
    assert _all_seen(dovecot, imap_mailbox.username)  # the poison message does not loop
    imap_mailbox.refresh_from_db()
    assert (imap_mailbox.last_error, imap_mailbox.failures) == ("", 0)
    assert imap_mailbox.last_success_at is not None

    call_command("fetch_mail")
    assert "nothing new" in capsys.readouterr().out
    assert Request.objects.count() == 3


def test_refused_login_is_recorded_and_does_not_block_the_other_mailbox(
    dovecot, imap_mailbox, monkeypatch
):
    other_user = dovecot.add_user(IMAP_PASSWORD)
    monkeypatch.setenv("STROYDESK_TEST_WRONG_PASSWORD", "not-the-password")
    broken = Mailbox.objects.create(
        name="a broken one",  # read first: names are ordered
        host=dovecot.host,
        port=dovecot.port,
        security=Mailbox.Security.PLAIN,
        username=other_user,
        password_env="STROYDESK_TEST_WRONG_PASSWORD",
    )
    dovecot.append(other_user, corpus("02_alternative_qp.eml"))
    dovecot.append(imap_mailbox.username, corpus("05_koi8r_qp.eml"))
    with pytest.raises(CommandError, match="1 of 2 mailboxes"):
        call_command("fetch_mail")
    broken.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in broken.last_error
    assert broken.failures == 1
    assert list(Request.objects.values_list("subject", flat=True)) == ["Ордер на земляные работы"]

    monkeypatch.setenv("STROYDESK_TEST_WRONG_PASSWORD", IMAP_PASSWORD)  # fixed by the admin
    call_command("fetch_mail")
    broken.refresh_from_db()
    assert (broken.last_error, broken.failures) == ("", 0)
    assert Request.objects.count() == 2


def test_network_failure_and_missing_password_are_recorded(db, monkeypatch):
    monkeypatch.delenv("STROYDESK_NO_SUCH_VARIABLE", raising=False)
    monkeypatch.setenv("STROYDESK_TEST_IMAP_PASSWORD", "x")
    closed = Mailbox.objects.create(
        name="closed port",
        host="127.0.0.1",
        port=free_port(),
        security=Mailbox.Security.PLAIN,
        username="u",
        password_env="STROYDESK_TEST_IMAP_PASSWORD",
    )
    unset = Mailbox.objects.create(
        name="no password",
        host="127.0.0.1",
        port=free_port(),
        security=Mailbox.Security.SSL,
        username="u",
        password_env="STROYDESK_NO_SUCH_VARIABLE",
    )
    reports = {r.mailbox: r for r in mailintake.mail_fetch_all()}
    assert "ConnectionRefusedError" in reports["closed port"].error
    assert "STROYDESK_NO_SUCH_VARIABLE is not set" in reports["no password"].error
    for mailbox in (closed, unset):
        mailbox.refresh_from_db()
        assert mailbox.failures == 1 and mailbox.last_error


@pytest.mark.django_db(transaction=True)
def test_crash_after_commit_before_marking_loses_and_duplicates_nothing(
    dovecot, imap_mailbox, monkeypatch
):
    dovecot.append(imap_mailbox.username, *(corpus(n) for n in MIXED[:3]))

    def crash(self, uids):
        raise Crash("power cut after the commit")

    with monkeypatch.context() as patch:
        patch.setattr(ImapSession, "settle", crash)
        with pytest.raises(Crash):
            mailintake.mailbox_fetch(mailbox=imap_mailbox)
    assert Request.objects.count() == 3  # committed
    assert not any("\\Seen" in f for f in dovecot.flags(imap_mailbox.username))

    report = mailintake.mailbox_fetch(mailbox=imap_mailbox)
    assert report.outcomes == {mailintake.DUPLICATE: 3}
    assert Request.objects.count() == 3
    assert _all_seen(dovecot, imap_mailbox.username)


@pytest.mark.django_db(transaction=True)
def test_crash_before_commit_loses_and_duplicates_nothing(dovecot, imap_mailbox, monkeypatch):
    dovecot.append(imap_mailbox.username, *(corpus(n) for n in MIXED[:3]))
    real = mailintake.register_request
    calls = []

    def dies_on_the_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Crash("killed in the middle of the transaction")
        return real(**kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(mailintake, "register_request", dies_on_the_second)
        with pytest.raises(Crash):
            mailintake.mailbox_fetch(mailbox=imap_mailbox)
    assert Request.objects.count() == 1
    assert ProcessedMessage.objects.count() == 1  # the second one's row was rolled back

    report = mailintake.mailbox_fetch(mailbox=imap_mailbox)
    assert report.outcomes == {Outcome.REQUEST: 2}
    subjects = sorted(Request.objects.values_list("subject", flat=True))
    assert subjects == sorted(
        [
            "Разрешение на строительство гаража",
            "Ввод дома в эксплуатацию",
            "Документы к запросу о ГПЗУ",
        ]
    )
    assert _all_seen(dovecot, imap_mailbox.username)


def test_processed_mail_can_be_moved_to_a_folder(dovecot, imap_mailbox):
    imap_mailbox.processed_folder = "Обработанные"
    imap_mailbox.save()
    dovecot.append(
        imap_mailbox.username, corpus("01_plain_utf8.eml"), corpus("03_html_only_base64.eml")
    )
    tasks.fetch_mail_periodic()
    assert Request.objects.count() == 2
    assert dovecot.count(imap_mailbox.username) == 0
    assert dovecot.count(imap_mailbox.username, folder='"&BB4EMQRABDAEMQQ+BEIEMAQ9BD0ESwQ1-"') == 2
