from __future__ import annotations

import pytest

from stroydesk.accounts.models import User
from stroydesk.accounts.services import applicant_for_user, user_create
from stroydesk.cases.models import Request
from stroydesk.procedures.demo import demo_seed
from stroydesk.procedures.models import PlanRequestLink, SavedPlan

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_attaches_a_plan_to_a_request(
    django_capture_on_commit_callbacks,
):
    user = user_create(
        username="developer",
        password="pass-for-tests-1",
        role=User.Role.APPLICANT,
        email="dev@example.ru",
    )
    applicant_for_user(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        assert "2 demo plans" in demo_seed()
        assert demo_seed() is None
    assert SavedPlan.objects.filter(owner=user).count() == 2
    link = PlanRequestLink.objects.get()
    assert Request.objects.filter(pk=link.request_id).exists()
