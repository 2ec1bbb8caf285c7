"""The sweeps: letters whose job was lost (queue down, worker killed) are sent once after all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from stroydesk.cases.tests.factories import make_request
from stroydesk.notifications import outbound, sweeps, tasks
from stroydesk.notifications.models import DispatchedEvent, OutgoingMessage

Status = OutgoingMessage.Status
pytestmark = pytest.mark.django_db(transaction=True)


def _queue_down(*args, **kwargs):
    raise ConnectionError("Redis is down")


def _age(**filters) -> None:
    OutgoingMessage.objects.filter(**filters).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )


def test_a_pending_letter_without_a_job_is_sent_once(applicant_user, monkeypatch):
    monkeypatch.setattr(outbound, "deliver_email", _queue_down)
    case = make_request(applicant=applicant_user.applicant)  # the enqueue error is not raised
    monkeypatch.undo()
    letter = OutgoingMessage.objects.get(request=case, event="registered")
    assert (letter.status, mail.outbox) == (Status.PENDING, [])

    # Too young: its job may still be on the way.
    assert sweeps.letters_sweep() == 0
    _age(pk=letter.pk)
    assert sweeps.letters_sweep() == 1
    assert sweeps.letters_sweep() == 0
    assert len(mail.outbox) == 1
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (Status.SENT, 1)


def test_a_stale_sending_letter_is_sent_again_once_with_the_same_message_id(
    applicant_user, monkeypatch, settings
):
    settings.EMAIL_SENDING_LEASE_SECONDS = 60
    monkeypatch.setattr(outbound, "deliver_email", _queue_down)
    case = make_request(applicant=applicant_user.applicant)
    monkeypatch.undo()
    letter = OutgoingMessage.objects.get(request=case, event="registered")
    # The worker that claimed it was killed mid-send, within the lease and then past it.
    OutgoingMessage.objects.filter(pk=letter.pk).update(
        status=Status.SENDING, attempts=1, claimed_at=timezone.now() - timedelta(seconds=30)
    )
    _age(pk=letter.pk)
    assert sweeps.letters_sweep() == 0
    assert mail.outbox == []
    OutgoingMessage.objects.filter(pk=letter.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=61)
    )
    assert sweeps.letters_sweep() == 1
    assert sweeps.letters_sweep() == 0
    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == f"<{letter.message_id}>"
    letter.refresh_from_db()
    assert (letter.status, letter.attempts) == (Status.SENT, 2)


def test_an_event_never_handled_gets_its_letters_once(applicant_user, monkeypatch):
    monkeypatch.setattr(tasks, "request_letters", _queue_down)
    case = make_request(applicant=applicant_user.applicant)  # 201 even so: nothing raised
    monkeypatch.undo()
    assert not OutgoingMessage.objects.filter(request=case).exists()
    assert not DispatchedEvent.objects.exists()

    assert sweeps.events_sweep() == 1
    assert len(mail.outbox) == 1
    assert applicant_user.applicant.email in mail.outbox[0].to
    assert DispatchedEvent.objects.count() == 1
    # Handled now: the next sweeps find nothing, and send nothing.
    assert sweeps.sweep() == (0, 0)
    assert len(mail.outbox) == 1
    assert OutgoingMessage.objects.filter(request=case).count() == 1


def test_a_handled_event_is_not_dispatched_again(applicant_user):
    case = make_request(applicant=applicant_user.applicant)
    assert len(mail.outbox) == 1
    assert DispatchedEvent.objects.count() == 1
    _age(request=case)
    assert sweeps.sweep() == (0, 0)
    assert len(mail.outbox) == 1
