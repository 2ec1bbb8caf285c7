"""``manage.py applicant_erase ID --by LOGIN --yes``: erase one applicant on their request."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from stroydesk.ops.management.commands._privacy import add_common_arguments, resolve
from stroydesk.ops.privacy import applicant_erase


class Command(BaseCommand):
    help = (
        "Erase one applicant's personal data on their request (152-ФЗ, art. 21): every request "
        "of theirs is anonymised whatever its state, their letters and texts scrubbed, their "
        "record and login scrubbed and the login closed. Figures of the statistics stay. "
        "Cannot be undone; the erasure is in the access log under the supervisor named "
        "with --by."
    )

    def add_arguments(self, parser):
        add_common_arguments(parser)
        parser.add_argument("--yes", action="store_true", help="Confirm: this cannot be undone.")

    def handle(self, *args, **options):
        applicant, by = resolve(options)
        if not options["yes"]:
            raise CommandError("erasure cannot be undone: run again with --yes")
        result = applicant_erase(applicant_id=applicant.pk, by=by)
        self.stdout.write(
            f"applicant {applicant.pk} erased: {result.requests} requests anonymised, "
            f"{result.messages} letters and texts scrubbed"
        )
