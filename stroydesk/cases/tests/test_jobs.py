"""Background jobs through the real queue: Redis when REDIS_URL is set (CI), else SQLite."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from huey.contrib.djhuey import HUEY

from stroydesk.cases import services
from stroydesk.cases.models import Escalation
from stroydesk.cases.tests.factories import make_request

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def real_queue():
    """Switch Huey from immediate mode to its configured storage for one test."""
    HUEY.immediate = False
    HUEY.flush()
    try:
        yield HUEY
    finally:
        HUEY.flush()
        HUEY.immediate = True


def _run_pending(huey) -> int:
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def test_queue_uses_the_configured_backend(real_queue):
    expected = "RedisStorage" if settings.REDIS_URL else "SqliteStorage"
    assert type(real_queue.storage).__name__ == expected


@pytest.mark.django_db(transaction=True)
def test_registration_notice_is_queued_after_commit_and_sent_once(
    real_queue, applicant_user, mailoutbox
):
    request = services.request_register(
        applicant=applicant_user.applicant, channel="portal", subject="ГПЗУ", text="Вопрос"
    )
    assert real_queue.pending_count() >= 1
    assert _run_pending(real_queue) >= 1
    sent = [m for m in mailoutbox if applicant_user.applicant.email in m.to]
    assert len(sent) == 1
    assert request.number in sent[0].subject


@pytest.mark.django_db(transaction=True)
def test_failed_registration_queues_nothing(real_queue, applicant_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.request_register(
            applicant=applicant_user.applicant,
            channel="portal",
            subject="ГПЗУ",
            text="Вопрос",
            cadastral_number="не номер",
        )
    assert real_queue.pending_count() == 0


@pytest.mark.django_db(transaction=True)
def test_periodic_sla_scan_job_marks_overdue_once(real_queue, operator, authority, applicant_user):
    from stroydesk.notifications.tasks import sla_scan_periodic

    request = make_request(
        applicant=applicant_user.applicant, status="in_progress", operator=operator
    )
    services.request_escalate(
        request=request, by=operator, authority=authority, at=datetime(2021, 2, 19, 10, tzinfo=MSK)
    )
    _run_pending(real_queue)
    sla_scan_periodic()  # enqueues: a periodic task called directly goes through the queue
    sla_scan_periodic()
    _run_pending(real_queue)
    escalation = Escalation.objects.get(request=request)
    assert escalation.overdue_alerted_at is not None
    first_alert = escalation.overdue_alerted_at
    sla_scan_periodic()
    _run_pending(real_queue)
    escalation.refresh_from_db()
    assert escalation.overdue_alerted_at == first_alert
