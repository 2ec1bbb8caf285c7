"""What the export and erasure commands share: who runs them, and whose data."""

from __future__ import annotations

from django.core.management.base import CommandError

from stroydesk.accounts.models import Applicant, User
from stroydesk.ops.privacy import PRIVACY_ROLES


def add_common_arguments(parser) -> None:
    parser.add_argument("applicant", type=int, help="The applicant's id (the admin shows it).")
    parser.add_argument(
        "--by",
        required=True,
        help="Login of the supervisor who acts on the applicant's request (in the audit log).",
    )


def resolve(options) -> tuple[Applicant, User]:
    by = User.objects.filter(username=options["by"], is_active=True).first()
    if by is None or by.role not in PRIVACY_ROLES:
        raise CommandError(f"{options['by']!r} is not an active supervisor or administrator")
    applicant = Applicant.objects.filter(pk=options["applicant"]).first()
    if applicant is None:
        raise CommandError(f"no applicant {options['applicant']}")
    return applicant, by
