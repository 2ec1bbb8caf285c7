"""A resident's account is bound to a flat by the one-time code of the household's record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from stroydesk.relocation import services
from stroydesk.relocation.models import Household

from .conftest import make_household, resident


@pytest.fixture
def coded(buildings):
    household = make_household(buildings, "10")
    return household, services.household_issue_code(household=household)


def _bind(user, household, code):
    return services.household_bind(
        user=user, old_building_id=household.old_building_id, flat=household.old_flat, code=code
    )


def test_the_right_code_binds_once_and_only_its_hash_is_kept(coded, applicant_user):
    household, code = coded
    assert code not in household.code_hash
    bound = _bind(applicant_user, household, code.lower().replace("-", " "))
    assert bound.resident == applicant_user and bound.bound_at is not None
    other = resident("other")
    with pytest.raises(ValidationError):
        _bind(other, household, code)  # used: a second person cannot take the flat
    household.refresh_from_db()
    assert household.resident == applicant_user


def test_a_wrong_code_binds_nothing_and_counts(coded, applicant_user):
    household, _code = coded
    with pytest.raises(ValidationError) as caught:
        _bind(applicant_user, household, "AAAA-AAAA")
    assert "code" in caught.value.message_dict
    household.refresh_from_db()
    assert household.resident is None and household.code_attempts == 1


def test_the_code_locks_after_the_limit_even_for_the_right_one(coded, applicant_user, settings):
    settings.RELOCATION_CODE_ATTEMPTS = 3
    household, code = coded
    for _ in range(3):
        with pytest.raises(ValidationError):
            _bind(applicant_user, household, "BBBB-BBBB")
    with pytest.raises(ValidationError, match="Too many"):
        _bind(applicant_user, household, code)
    # a new code from the information center unlocks it
    fresh = services.household_issue_code(household=household)
    assert _bind(applicant_user, household, fresh).resident == applicant_user


def test_an_unknown_flat_says_the_same_as_a_wrong_code(coded, applicant_user):
    household, code = coded
    with pytest.raises(ValidationError, match="does not match"):
        services.household_bind(
            user=applicant_user, old_building_id=household.old_building_id, flat="999", code=code
        )


def test_one_account_one_flat(buildings, coded, applicant_user):
    household, code = coded
    _bind(applicant_user, household, code)
    second = make_household(buildings, "12")
    second_code = services.household_issue_code(household=second)
    with pytest.raises(ValidationError, match="another flat"):
        _bind(applicant_user, second, second_code)
    assert Household.objects.get(pk=second.pk).resident is None


def test_staff_are_not_bound(coded, operator):
    household, code = coded
    with pytest.raises(PermissionDenied):
        _bind(operator, household, code)
