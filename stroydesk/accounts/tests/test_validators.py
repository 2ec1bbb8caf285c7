"""ИНН, ОГРН and phone numbers: real numbers pass, a wrong check digit never does."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from stroydesk.accounts.validators import is_valid_inn, is_valid_ogrn, normalize_phone

# Published registration data of well-known organisations and entrepreneurs (ЕГРЮЛ/ЕГРИП).
VALID_INN = ["7707083893", "7736207543", "7702070139", "500100732259", "773400211252"]
VALID_OGRN = ["1027700132195", "1027700229193", "1027739609391", "304500116000157"]


@pytest.mark.parametrize("inn", VALID_INN)
def test_real_inn_is_valid(inn):
    assert is_valid_inn(inn)


@pytest.mark.parametrize("ogrn", VALID_OGRN)
def test_real_ogrn_is_valid(ogrn):
    assert is_valid_ogrn(ogrn)


@pytest.mark.parametrize("value", ["", "770708389", "77070838931", "770708389X", "7707083894"])
def test_malformed_inn_is_invalid(value):
    assert not is_valid_inn(value)


@given(st.sampled_from(VALID_INN), st.integers(min_value=1, max_value=9))
def test_changing_the_last_check_digit_breaks_inn(inn, delta):
    broken = inn[:-1] + str((int(inn[-1]) + delta) % 10)
    assert not is_valid_inn(broken)


@given(st.sampled_from(VALID_OGRN), st.integers(min_value=1, max_value=9))
def test_changing_the_check_digit_breaks_ogrn(ogrn, delta):
    broken = ogrn[:-1] + str((int(ogrn[-1]) + delta) % 10)
    assert not is_valid_ogrn(broken)


@pytest.mark.parametrize(
    "raw", ["8 (495) 123-45-67", "+7 495 123 45 67", "74951234567", "4951234567", "+7(495)1234567"]
)
def test_phone_spellings_normalise_to_one(raw):
    assert normalize_phone(raw) == "+74951234567"


@pytest.mark.parametrize("raw", ["12345", "+1 212 555 0100 99", "телефон", "+7 495 123 45 6"])
def test_not_a_russian_phone_is_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


@pytest.mark.parametrize("value", ["²" * 10, "²" * 12, "٣" * 12])
def test_unicode_digits_are_not_an_inn(value):
    assert not is_valid_inn(value)


@pytest.mark.parametrize("value", ["²" * 13, "²" * 15])
def test_unicode_digits_are_not_an_ogrn(value):
    assert not is_valid_ogrn(value)


@pytest.mark.parametrize("value", ["+7²²²²²²²²²²", "8٤٩٥١٢٣٤٥٦٧"])
def test_unicode_digits_are_not_a_phone(value):
    with pytest.raises(ValidationError):
        normalize_phone(value)
