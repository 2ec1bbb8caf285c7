"""Password rules: at least 10 characters for everyone, 12 for staff, not all digits, not a
handful of repeated characters, not a common password."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from stroydesk.accounts.models import User


def _refused(password: str, role: str) -> bool:
    user = User(username="someone", role=role, email="someone@example.ru")
    try:
        validate_password(password, user)
    except ValidationError:
        return True
    return False


@pytest.mark.parametrize(
    ("password", "applicant", "staff"),
    [
        ("Kvartira-9", False, True),  # 10 characters: enough for an applicant only
        ("Kvartira-91", False, True),
        ("Kvartira-912", False, False),
        ("Kvart-91", True, True),  # 8: Django's default minimum, now too short
        ("123456789012345", True, True),  # digits only
        ("abababababababab", True, True),  # two characters repeated
        ("password1234", True, True),  # a common password
    ],
)
def test_password_rules(password, applicant, staff):
    assert _refused(password, User.Role.APPLICANT) is applicant
    for role in (User.Role.OPERATOR, User.Role.SPECIALIST, User.Role.SUPERVISOR, User.Role.ADMIN):
        assert _refused(password, role) is staff
