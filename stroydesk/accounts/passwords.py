"""Password rules beyond Django's: longer passwords for staff, who open everyone's personal
data, and no password of a handful of repeated characters.

Length and a list of common passwords rather than "a digit and a capital letter": long
passphrases are both easier to remember and harder to guess (NIST SP 800-63B, 5.1.1).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class StaffPasswordValidator:
    """At least ``staff_min_length`` characters for any role but the applicant's, and at least
    ``min_distinct`` different characters for everyone."""

    def __init__(self, staff_min_length: int = 12, min_distinct: int = 5) -> None:
        self.staff_min_length = staff_min_length
        self.min_distinct = min_distinct

    def validate(self, password: str, user: Any = None) -> None:
        role = getattr(user, "role", "applicant")
        if role != "applicant" and len(password) < self.staff_min_length:
            raise ValidationError(
                ngettext(
                    "A staff member's password needs at least %(min)d character.",
                    "A staff member's password needs at least %(min)d characters.",
                    self.staff_min_length,
                )
                % {"min": self.staff_min_length},
                code="staff_password_too_short",
            )
        if len(set(password)) < self.min_distinct:
            raise ValidationError(
                _("The password repeats too few characters: use at least %(min)d different ones.")
                % {"min": self.min_distinct},
                code="password_too_uniform",
            )

    def get_help_text(self) -> str:
        return _(
            "Staff passwords need at least %(staff)d characters; every password at least "
            "%(distinct)d different characters."
        ) % {"staff": self.staff_min_length, "distinct": self.min_distinct}
