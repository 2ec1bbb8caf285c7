"""Validators for Russian identifiers of organisations: ИНН and ОГРН with their check digits.

The check-digit algorithms are those of the Federal Tax Service: ИНН — weighted sums modulo 11
(order of the ФНС №БГ-3-09/178, 2004); ОГРН — the first 12 digits modulo 11, ОГРНИП — the first
14 digits modulo 13, last digit of the remainder (приказ ФНС №САЭ-3-09/355@, 2012).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def _ascii_digits(value: str) -> bool:
    """Only 0-9: ``str.isdigit()`` also accepts «²» and other scripts' digits, which ``int()``
    refuses or reads into a number no one typed."""
    return value.isascii() and value.isdigit()


def is_valid_inn(value: str) -> bool:
    """True for a 10-digit (organisation) or 12-digit (person) ИНН with correct check digits."""
    if not _ascii_digits(value):
        return False
    if len(value) == 10:
        return _check_digit(value, _INN10_WEIGHTS) == int(value[9])
    if len(value) == 12:
        return _check_digit(value, _INN12_WEIGHTS_1) == int(value[10]) and _check_digit(
            value, _INN12_WEIGHTS_2
        ) == int(value[11])
    return False


def is_valid_ogrn(value: str) -> bool:
    """True for a 13-digit ОГРН or a 15-digit ОГРНИП whose last digit checks."""
    if not _ascii_digits(value):
        return False
    if len(value) == 13:
        return int(value[:12]) % 11 % 10 == int(value[12])
    if len(value) == 15:
        return int(value[:14]) % 13 % 10 == int(value[14])
    return False


def validate_inn(value: str) -> None:
    if not is_valid_inn(value):
        raise ValidationError(
            _("ИНН must be 10 or 12 digits with correct check digits."), code="invalid_inn"
        )


def validate_ogrn(value: str) -> None:
    if not is_valid_ogrn(value):
        raise ValidationError(
            _("ОГРН must be 13 digits (ОГРНИП 15) with a correct check digit."),
            code="invalid_ogrn",
        )


_PHONE_JUNK = re.compile(r"[\s()\-.]")


def normalize_phone(value: str) -> str:
    """A Russian phone number as +7XXXXXXXXXX; raises ValidationError for what is not one.

    Callers say "8 (495) 123-45-67", "+7 495 1234567" or "4951234567": all mean one number,
    and finding an applicant by phone needs one spelling.
    """
    digits = _PHONE_JUNK.sub("", value.strip())
    international = digits.startswith("+")
    if international:
        digits = digits[1:]
    if not _ascii_digits(digits):
        raise ValidationError(_("A phone number may contain only digits, spaces, ( ) - and +."))
    if international and not (len(digits) == 11 and digits[0] == "7"):
        raise ValidationError(_("A Russian phone number is +7 and 10 digits."))
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10:
        raise ValidationError(_("A Russian phone number has 10 digits after +7."))
    return "+7" + digits
