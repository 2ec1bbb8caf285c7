"""The demo data: accounts for every role and requests in every state, created once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from stroydesk.accounts.models import User
from stroydesk.cases.models import History, Request


@pytest.mark.long
@pytest.mark.django_db
def test_demo_data_creates_every_role_and_varied_requests():
    call_command("demo_data", requests=60, seed=7, stdout=StringIO())
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {r.value for r in User.Role}
    # 60 from the contact center's demo, and a few from the services' own demos (a consultation's
    # outcome is a closed request).
    created = Request.objects.count()
    assert 60 <= created < 80
    statuses = set(Request.objects.values_list("status", flat=True))
    assert {"answered", "closed", "escalated"} <= statuses
    assert User.objects.get(username="operator").check_password("stroydesk-demo")
    # Every request's history starts with its registration and never moves backwards in time.
    for request in Request.objects.all()[:20]:
        moments = list(History.objects.filter(request=request).values_list("at", flat=True))
        assert moments == sorted(moments)
    call_command("demo_data", requests=60, seed=7, stdout=StringIO())
    assert Request.objects.count() == created


@pytest.mark.long
@pytest.mark.django_db
def test_demo_numbers_follow_dates_and_it_has_ratings_and_reopens():
    from stroydesk.cases.models import Rating

    call_command("demo_data", requests=120, seed=3, stdout=StringIO())
    rows = list(Request.objects.order_by("sequence").values_list("registered_at", flat=True))
    assert rows == sorted(rows)
    assert Rating.objects.count() >= 3
    assert History.objects.filter(action="reopen").exists()
