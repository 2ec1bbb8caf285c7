"""Sign-ups never confirmed expire: after ``UNCONFIRMED_ACCOUNT_DAYS`` the account and its
applicant record go, and the address is free; confirmed, recent and staff accounts stay, and so
does any account a request refers to."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from stroydesk.accounts import services, tasks
from stroydesk.accounts.models import Applicant, User
from stroydesk.cases.tests.factories import make_request

PASSWORD = "Stroy-2025-secret"


def _signed_up(*, days_ago: float, role: str = User.Role.APPLICANT, **extra) -> User:
    email = f"{uuid.uuid4().hex[:12]}@example.ru"
    with time_machine.travel(timezone.now() - timedelta(days=days_ago)):
        user = services.user_create(
            username=email,
            password=PASSWORD,
            role=role,
            email=email,
            email_confirmed=False,
        )
        services.applicant_create(full_name="Сидоров", email=email, user=user)
    if extra:
        User.objects.filter(pk=user.pk).update(**extra)
    return user


def _exists(user: User) -> bool:
    return User.objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_an_old_unconfirmed_signup_goes_with_its_record(settings):
    settings.UNCONFIRMED_ACCOUNT_DAYS = 7
    old = _signed_up(days_ago=7.1)
    record = Applicant.objects.get(user=old)
    assert services.user_purge_unconfirmed() == 1
    assert not _exists(old)
    assert not Applicant.objects.filter(pk=record.pk).exists()
    assert services.user_purge_unconfirmed() == 0  # nothing left to do


@pytest.mark.django_db
def test_confirmed_recent_staff_and_used_accounts_stay(settings):
    settings.UNCONFIRMED_ACCOUNT_DAYS = 7
    recent = _signed_up(days_ago=6.9)
    confirmed = _signed_up(days_ago=30)
    services.user_confirm_email_by_reset(user=confirmed)
    operator = _signed_up(days_ago=30, role=User.Role.OPERATOR)
    # An applicant an administrator let into the admin is not an abandoned sign-up either.
    admin_rights = _signed_up(days_ago=30, is_staff=True)
    superuser = _signed_up(days_ago=30, is_superuser=True)
    # One that has been used, and whose confirmation an administrator cleared since.
    cleared = _signed_up(days_ago=30, last_login=timezone.now() - timedelta(days=20))
    assert services.user_purge_unconfirmed() == 0
    for user in (recent, confirmed, operator, admin_rights, superuser, cleared):
        assert _exists(user), user.username


@pytest.mark.django_db
def test_an_account_a_request_refers_to_stays_and_the_others_still_go(settings):
    settings.UNCONFIRMED_ACCOUNT_DAYS = 7
    with_request = _signed_up(days_ago=10)
    request = make_request(applicant=Applicant.objects.get(user=with_request))
    without = _signed_up(days_ago=10)
    assert services.user_purge_unconfirmed() == 1
    assert _exists(with_request)
    assert not _exists(without)
    request.refresh_from_db()
    assert request.applicant.user == with_request


@pytest.mark.django_db
def test_the_days_come_from_the_setting(settings):
    old = _signed_up(days_ago=4)
    settings.UNCONFIRMED_ACCOUNT_DAYS = 5
    assert services.user_purge_unconfirmed() == 0
    settings.UNCONFIRMED_ACCOUNT_DAYS = 3
    assert services.user_purge_unconfirmed() == 1
    assert not _exists(old)


@pytest.mark.django_db
def test_a_link_followed_after_the_purge_is_refused_as_invalid(settings):
    settings.UNCONFIRMED_ACCOUNT_DAYS = 3
    user = _signed_up(days_ago=0)
    link = {
        "uidb64": services.signup_confirmation_uid(user=user),
        "token": services.signup_confirmation_token(user=user),
    }
    later = timezone.now() + timedelta(days=3, hours=1)
    with time_machine.travel(later):
        assert services.user_purge_unconfirmed() == 1
    with pytest.raises(ValidationError) as refused:
        services.user_confirm_email(**link)
    assert refused.value.code == "invalid"


@pytest.mark.django_db
def test_an_account_purged_between_the_check_and_the_confirmation_says_invalid(monkeypatch):
    user = _signed_up(days_ago=0)
    checked = services.user_confirmation_check
    link = {
        "uidb64": services.signup_confirmation_uid(user=user),
        "token": services.signup_confirmation_token(user=user),
    }

    def check_then_purged(**kwargs):
        found = checked(**kwargs)
        User.objects.filter(pk=found.pk).delete()  # the nightly job got there in between
        return found

    monkeypatch.setattr(services, "user_confirmation_check", check_then_purged)
    with pytest.raises(ValidationError) as refused:
        services.user_confirm_email(**link)
    assert refused.value.code == "invalid"


@pytest.mark.django_db
def test_the_command_purges_and_says_how_many(settings):
    settings.UNCONFIRMED_ACCOUNT_DAYS = 7
    old, recent = _signed_up(days_ago=8), _signed_up(days_ago=1)
    out = StringIO()
    call_command("purge_unconfirmed", stdout=out)
    assert out.getvalue().strip() == "1 accounts unconfirmed for over 7 days deleted"
    assert not _exists(old) and _exists(recent)


@pytest.mark.django_db
def test_the_nightly_job_purges():
    old = _signed_up(days_ago=30)
    task = tasks.unconfirmed_purge_periodic
    # Periodic: once a night (UTC), not every minute.
    runs = task.s().validate_datetime
    assert runs(datetime(2025, 3, 1, 3, 17))
    assert not runs(datetime(2025, 3, 1, 4, 17)) and not runs(datetime(2025, 3, 1, 3, 18))
    task.call_local()
    assert not _exists(old)
