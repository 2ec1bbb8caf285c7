"""Applicants: created validated, matched by e-mail or phone, never half-created."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from stroydesk.accounts.models import Applicant
from stroydesk.accounts.services import Contact, applicant_create, applicant_for_contact


def _match(**fields: str):
    """The applicant a channel files a contact under."""
    return applicant_for_contact(contact=Contact(**fields))


@pytest.mark.django_db
def test_developer_needs_organisation_inn_and_ogrn():
    with pytest.raises(ValidationError) as error:
        applicant_create(full_name="Петров", email="p@example.ru", kind="developer")
    assert "organisation_name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        applicant_create(
            full_name="Петров",
            email="p@example.ru",
            kind="developer",
            organisation_name="ООО «Строй»",
            inn="7707083894",
            ogrn="1027700132195",
        )
    assert "inn" in error.value.message_dict
    assert not Applicant.objects.exists()


@pytest.mark.django_db
def test_database_refuses_a_developer_without_identifiers():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Applicant.objects.create(full_name="X", kind="developer", email="x@example.ru")


@pytest.mark.django_db
def test_contact_is_matched_by_email_then_phone():
    first = _match(full_name="Иванов", email="Ivanov@Example.ru")
    assert _match(full_name="Иванов И.", email="ivanov@example.ru") == first
    by_phone = _match(full_name="Сидоров", phone="8 916 000-00-01")
    assert _match(full_name="Сидоров П.", phone="+79160000001") == by_phone
    assert Applicant.objects.count() == 2


@pytest.mark.django_db
def test_applicant_without_any_contact_is_refused():
    with pytest.raises(ValidationError):
        applicant_create(full_name="Аноним")
