"""The hot path's compiled statements give what the ORM gives: the same rows, converted values
(aware datetimes, JSON), the joined object cached, the database's key after an insert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stroydesk.accounts.models import ApiToken, Applicant
from stroydesk.accounts.services import applicant_create, user_create
from stroydesk.accounts.tokens import api_token_issue
from stroydesk.core.sql import Select, insert, prep

pytestmark = pytest.mark.django_db

LIVE = Select(ApiToken, "{key_hash} = %s AND {expires_at} > %s", join="user")
BY_EMAIL = Select(
    Applicant,
    "({user_id} IS NULL OR {user__email_confirmed_at} IS NOT NULL) AND {email} = %s",
    join="user",
    left=True,
)


def test_a_row_with_its_join_equals_the_orms_and_costs_one_statement():
    user = user_create(username="sql-operator", password=None, role="operator")
    token, _key = api_token_issue(user=user)
    with CaptureQueriesContext(connection) as queries:
        found = LIVE.first(token.key_hash, prep(ApiToken, "expires_at", timezone.now()))
        assert found.user.username == "sql-operator"  # cached by the join: no second query
    assert len(queries.captured_queries) == 1
    orm = ApiToken.objects.get(pk=token.pk)
    for field in ApiToken._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
    assert timezone.is_aware(found.expires_at)
    assert found._state.adding is False and found._state.db == "default"


def test_the_condition_binds_its_values():
    user = user_create(username="sql-expired", password=None, role="operator")
    token, _key = api_token_issue(user=user)
    later = timezone.now() + timedelta(days=400)
    assert LIVE.first(token.key_hash, prep(ApiToken, "expires_at", later)) is None
    assert LIVE.first("0" * 64, prep(ApiToken, "expires_at", timezone.now())) is None


def test_an_optional_join_that_finds_nothing_gives_none_for_the_related_object():
    walk_in = applicant_create(full_name="Без учётной записи", email="walkin@example.ru")
    unconfirmed = user_create(
        username="sql-unconfirmed",
        password=None,
        role="applicant",
        email="fresh@example.ru",
        email_confirmed=False,
    )
    applicant_create(full_name="Не подтвердил", email="fresh@example.ru", user=unconfirmed)
    found = BY_EMAIL.first("walkin@example.ru")
    assert found.pk == walk_in.pk and found.user is None
    # The condition reads the joined table's column: an unconfirmed account's record is passed.
    assert BY_EMAIL.first("fresh@example.ru") is None


def test_insert_sets_the_key_and_the_automatic_fields_and_reads_back_the_same():
    applicant = Applicant(full_name="Вставлен напрямую", email="direct@example.ru", phone="")
    before = timezone.now()
    insert(applicant)
    assert applicant.pk is not None and applicant._state.adding is False
    assert applicant.created_at >= before  # auto_now_add, as save() would
    stored = Applicant.objects.get(pk=applicant.pk)
    assert (stored.full_name, stored.email, stored.kind) == (
        "Вставлен напрямую",
        "direct@example.ru",
        Applicant.Kind.RESIDENT,
    )
    with pytest.raises(ValueError):
        insert(stored)  # a row that has its key is not new
