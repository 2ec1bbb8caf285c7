"""Text messages: logged once per key, sent by a job after the commit, retried while the gateway
cannot take them, given up after the last attempt."""

from __future__ import annotations

import pytest

from stroydesk.notifications import sms
from stroydesk.notifications.models import SmsMessage
from stroydesk.notifications.services import sms_send

pytestmark = pytest.mark.django_db


class FlakyGateway:
    failures = 0

    def send(self, *, phone: str, text: str) -> str:
        if FlakyGateway.failures:
            FlakyGateway.failures -= 1
            raise sms.SmsNotSent("gateway busy")
        return "id-1"


@pytest.fixture
def gateway(settings):
    settings.SMS_BACKEND = "stroydesk.notifications.tests.test_sms.FlakyGateway"
    FlakyGateway.failures = 0
    return FlakyGateway


def test_a_message_is_sent_once_per_key(gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = sms_send(key="booking:1", phone="+79991234567", text="Запись подтверждена")
        again = sms_send(key="booking:1", phone="+79991234567", text="Запись подтверждена")
    assert first == again
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts, message.provider_id) == ("sent", 1, "id-1")
    assert sms_send(key="booking:2", phone="", text="x") is None


def test_a_busy_gateway_is_tried_again_then_given_up(gateway):
    message = SmsMessage.objects.create(key="k", phone="+79991234567", text="t")
    gateway.failures = 1
    assert sms.sms_deliver(message_id=message.pk) == 30
    assert sms.sms_deliver(message_id=message.pk) is None
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    stuck = SmsMessage.objects.create(key="k2", phone="+79991234567", text="t")
    SmsMessage.objects.filter(pk=stuck.pk).update(attempts=sms.SMS_MAX_ATTEMPTS - 1)
    gateway.failures = 1
    assert sms.sms_deliver(message_id=stuck.pk) is None
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "busy" in stuck.last_error
