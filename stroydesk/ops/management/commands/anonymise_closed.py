"""``manage.py anonymise_closed``: the nightly retention job, run now."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stroydesk.ops.privacy import retention_run


class Command(BaseCommand):
    help = (
        "Anonymise the requests closed more than REQUEST_RETENTION_YEARS ago: the applicant's "
        "words, files, letters and (when nothing else needs them) contacts are scrubbed; "
        "numbers, dates, statuses and ratings stay, so the statistics do not change. Safe to "
        "run again. The background worker does the same every night."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help="Keep this many years instead of REQUEST_RETENTION_YEARS.",
        )

    def handle(self, *args, **options):
        years = options["years"]
        if years is None:
            years = settings.REQUEST_RETENTION_YEARS
        if years < 1:
            raise CommandError("retention is off (0 years): nothing to do")
        done = retention_run(years=years)
        self.stdout.write(f"{done} requests closed over {years} years ago anonymised")
