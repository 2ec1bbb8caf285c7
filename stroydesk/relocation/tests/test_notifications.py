"""Each change of an order tells the family once by e-mail and once by text message."""

from __future__ import annotations

import pytest
from django.core import mail

from stroydesk.relocation import services, steps
from stroydesk.relocation.models import OrderHistory

from .conftest import PHONE, order, service_days


@pytest.mark.django_db(transaction=True)
def test_ordering_sends_one_letter_and_one_text(household, crews, applicant_user, sms):
    placed = order(applicant_user, service_days(1)[0])
    letters = [m for m in mail.outbox if household.email in m.to]
    assert len(letters) == 1
    (letter,) = letters
    assert applicant_user.email in letter.to
    assert f"{placed.pk}" in letter.subject
    assert "оформлен" in letter.body.lower() or "заказ" in letter.body.lower()
    assert "ordered" in letter.body
    assert f"/relocation/orders/{placed.pk}/" in letter.body
    assert len(sms) == 1
    phone, text = sms[0]
    assert phone == PHONE and str(placed.pk) in text and placed.window in text


@pytest.mark.django_db(transaction=True)
def test_every_step_is_told_and_a_repeat_sends_nothing(
    household, crews, applicant_user, dispatcher, sms
):
    first, second = service_days(2)
    placed = order(applicant_user, first)
    services.order_confirm(order=placed, by=dispatcher)
    services.order_reschedule(order=placed, by=applicant_user, day=second, window="14:00-18:00")
    services.order_cancel(order=placed, by=applicant_user)
    assert len(mail.outbox) == 4
    assert len(sms) == 4
    # the same history row told again (a retried job): nothing more leaves
    placed.refresh_from_db()
    steps.tell(placed, OrderHistory.objects.filter(order=placed).latest("id"))
    assert len(mail.outbox) == 4
    assert len(sms) == 4


@pytest.mark.django_db(transaction=True)
def test_a_refused_step_tells_nothing(household, crews, applicant_user, sms):
    placed = order(applicant_user, service_days(1)[0])
    with pytest.raises(Exception, match="day before"):
        services.order_cancel(order=placed, by=applicant_user, today=placed.date)
    assert len(mail.outbox) == 1
    assert len(sms) == 1
