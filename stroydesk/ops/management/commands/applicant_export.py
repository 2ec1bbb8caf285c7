"""``manage.py applicant_export ID --by LOGIN``: everything about one applicant, as JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from stroydesk.ops.management.commands._privacy import add_common_arguments, resolve
from stroydesk.ops.privacy import applicant_export


class Command(BaseCommand):
    help = (
        "Write everything the center keeps about one applicant as JSON (152-ФЗ, art. 14): the "
        "record, the login, the consents, the requests with answers and history, the letters "
        "and texts sent, and when the staff read the data. The export is in the access log "
        "under the supervisor named with --by."
    )

    def add_arguments(self, parser):
        add_common_arguments(parser)
        parser.add_argument("--output", "-o", help="A file to write; standard output if none.")

    def handle(self, *args, **options):
        applicant, by = resolve(options)
        data = applicant_export(applicant_id=applicant.pk, by=by)
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text + "\n")
            self.stderr.write(f"applicant {applicant.pk} exported to {options['output']}")
        else:
            self.stdout.write(text)
