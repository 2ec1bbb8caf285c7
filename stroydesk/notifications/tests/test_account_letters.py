"""Letters about accounts: accounts publishes, notifications' job makes the link when it sends,
through the one outbound path, and the log does not keep the secret once the letter is sent."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from huey.contrib.djhuey import HUEY

from stroydesk.accounts import services
from stroydesk.accounts.events import CONFIRMATION_REQUESTED
from stroydesk.accounts.models import User
from stroydesk.notifications import tasks
from stroydesk.notifications.models import OutgoingMessage

pytestmark = pytest.mark.django_db


def _unconfirmed() -> User:
    email = f"{uuid.uuid4().hex[:12]}@example.ru"
    return services.user_create(
        username=email,
        password="Str0ng-pass-phrase",
        role=User.Role.APPLICANT,
        email=email,
        first_name="Пётр",
        email_confirmed=False,
    )


def test_the_letter_is_queued_on_commit_with_the_account_id_only(
    monkeypatch, django_capture_on_commit_callbacks
):
    user = _unconfirmed()
    queued: list[tuple] = []
    monkeypatch.setattr(tasks, "account_letter", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.user_send_confirmation(user=user)
    # Nothing goes before the commit: a rolled-back sign-up mails nothing.
    assert queued == [] and mail.outbox == []
    for callback in callbacks:
        callback()
    # The queue holds the id and no link: the job makes the token when it sends.
    ((kind, user_id, occurrence),) = queued
    assert (kind, user_id) == (CONFIRMATION_REQUESTED, user.pk) and len(occurrence) == 32
    assert mail.outbox == []


def test_the_job_mails_nothing_to_an_account_confirmed_or_blocked_meanwhile(
    django_capture_on_commit_callbacks,
):
    confirmed, blocked = _unconfirmed(), _unconfirmed()
    services.user_confirm_email(
        uidb64=services.signup_confirmation_uid(user=confirmed),
        token=services.signup_confirmation_token(user=confirmed),
    )
    User.objects.filter(pk=blocked.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        for user_id in (confirmed.pk, blocked.pk, 987654):
            tasks.account_letter.call_local(CONFIRMATION_REQUESTED, user_id, "x")
    assert mail.outbox == []
    assert OutgoingMessage.objects.count() == 0


def test_the_letter_is_retried_when_the_mail_server_fails_and_its_link_not_kept(
    monkeypatch, django_capture_on_commit_callbacks
):
    user = _unconfirmed()
    HUEY.read_schedule(datetime.max)  # no retries left over from other tests
    monkeypatch.setattr(
        EmailMessage, "send", lambda *a, **k: (_ for _ in ()).throw(OSError("down"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.user_send_confirmation(user=user)
    monkeypatch.undo()
    assert mail.outbox == []
    logged = OutgoingMessage.objects.get(to=[user.email])
    assert "/accounts/confirm/" in logged.body  # waiting: the text is needed to send it
    (retry,) = [t for t in HUEY.read_schedule(datetime.max) if t.name.endswith("deliver_email")]
    HUEY.execute(retry, timestamp=retry.eta)
    (letter,) = mail.outbox
    assert letter.to == [user.email] and "/accounts/confirm/" in letter.body
    logged.refresh_from_db()
    assert logged.status == OutgoingMessage.Status.SENT and logged.body == ""
