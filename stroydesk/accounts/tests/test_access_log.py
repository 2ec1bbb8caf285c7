"""The personal-data access log: one entry per answer, append-only, a hash chain that a command
verifies, appends that take turns under concurrency, the admin's pages that show applicants."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from stroydesk.accounts.audit import access_log_verify, access_record
from stroydesk.accounts.models import AppendOnlyError, Applicant, PersonalDataAccess


@pytest.fixture
def people(db):
    return [
        Applicant.objects.create(full_name=f"Петров {i}", email=f"p{i}@example.ru")
        for i in range(3)
    ]


def _raw_update(pk: int, **fields: object) -> None:
    # What somebody with the database's password could do: below the model's refusals.
    PersonalDataAccess._base_manager.filter(pk=pk).update(**fields)


def test_a_list_is_one_entry_naming_every_applicant(operator, people):
    entry = access_record(actor=operator, applicants=[people[2], people[0], people[2]], context="x")
    assert PersonalDataAccess.objects.count() == 1
    assert entry.applicant_ids == sorted([people[0].pk, people[2].pk])
    assert entry.applicant_id == min(people[0].pk, people[2].pk)


def test_applicants_and_empty_answers_are_not_logged(applicant_user, operator, people):
    assert access_record(actor=applicant_user, applicants=people, context="own") is None
    assert access_record(actor=operator, applicants=[], context="nothing shown") is None
    assert not PersonalDataAccess.objects.exists()


def test_each_entry_carries_the_hash_of_the_one_before(operator, people):
    first = access_record(actor=operator, applicants=[people[0]], context="a")
    second = access_record(actor=operator, applicants=[people[1]], context="b")
    assert first.prev_hash == "" and len(first.hash) == 64
    assert second.prev_hash == first.hash
    assert access_log_verify() == (2, None)


def test_the_model_refuses_changes_and_deletion(operator, people):
    entry = access_record(actor=operator, applicants=[people[0]], context="a")
    entry.context = "something else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        PersonalDataAccess.objects.filter(pk=entry.pk).update(context="x")
    with pytest.raises(AppendOnlyError):
        PersonalDataAccess.objects.all().delete()


def _three(operator, people):
    return [
        access_record(actor=operator, applicants=[p], context=f"card {i}")
        for i, p in enumerate(people)
    ]


def test_verify_names_a_changed_entry(operator, people):
    entries = _three(operator, people)
    call_command("verify_access_log")  # intact: no error
    _raw_update(entries[1].pk, context="something harmless")
    with pytest.raises(CommandError, match=f"entry {entries[1].pk}: it does not match"):
        call_command("verify_access_log")


def test_verify_names_the_entry_after_a_removed_one(operator, people):
    entries = _three(operator, people)
    PersonalDataAccess._base_manager.filter(pk=entries[1].pk)._raw_delete(connection.alias)
    with pytest.raises(CommandError, match=f"entry {entries[2].pk}: it does not carry"):
        call_command("verify_access_log")


def test_verify_sees_a_rewritten_applicant_list(operator, people):
    entries = _three(operator, people)
    _raw_update(entries[0].pk, applicant_ids=[people[1].pk])
    checked, broken = access_log_verify()
    assert (checked, broken.entry_id, broken.reason) == (0, entries[0].pk, "hash")


def test_deleting_an_applicant_keeps_the_chain(operator, people):
    _three(operator, people)
    people[1].delete()  # an unconfirmed sign-up purged: the entry stays, its column empties
    assert PersonalDataAccess.objects.filter(applicant__isnull=True).count() == 1
    assert access_log_verify() == (3, None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain(operator, people):
    """Eight workers append at once: without the lock two of them read the same head and the
    chain forks (two entries with one ``prev_hash``)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(10):
                access_record(actor=operator, applicants=[people[n % 3]], context=f"{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert access_log_verify() == (80, None)
    prevs = list(PersonalDataAccess.objects.values_list("prev_hash", flat=True))
    assert len(set(prevs)) == 80


def test_admin_applicant_list_and_card_are_logged(client, admin_user, people):
    client.force_login(admin_user)
    assert client.get("/admin/accounts/applicant/").status_code == 200
    listed = PersonalDataAccess.objects.get()
    assert listed.applicant_ids == sorted(p.pk for p in people)
    assert listed.context == "admin applicant list"
    assert client.get(f"/admin/accounts/applicant/{people[1].pk}/change/").status_code == 200
    opened = PersonalDataAccess.objects.order_by("-id").first()
    assert (opened.applicant_ids, opened.context) == (
        [people[1].pk],
        f"admin applicant {people[1].pk}",
    )
    assert access_log_verify() == (2, None)


def test_admin_shows_the_log_read_only(client, admin_user, operator, people):
    entry = access_record(actor=operator, applicants=[people[0]], context="card")
    client.force_login(admin_user)
    assert client.get("/admin/accounts/personaldataaccess/add/").status_code == 403
    page = client.get(f"/admin/accounts/personaldataaccess/{entry.pk}/change/")
    assert page.status_code == 200
    assert b'name="context"' not in page.content  # shown, not editable
    assert client.post(f"/admin/accounts/personaldataaccess/{entry.pk}/delete/").status_code == 403
