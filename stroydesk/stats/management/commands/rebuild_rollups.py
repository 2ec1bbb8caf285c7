"""``manage.py rebuild_rollups --from 2021-01-01 --to 2021-12-31``: recompute statistics."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from stroydesk.stats.services import rollups_rebuild, rollups_refresh


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date like 2021-12-31.") from None


class Command(BaseCommand):
    help = (
        "Re-derive the statistics facts of the requests received in the range from the cases "
        "history and re-sum every day of it; without dates, read the history written since the "
        "last run (what the periodic job does). Safe to run again: nothing changes twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="First day, e.g. 2021-01-01.")
        parser.add_argument("--to", dest="date_to", help="Last day, e.g. 2021-12-31.")

    def handle(self, *args, **options):
        raw_from, raw_to = options["date_from"], options["date_to"]
        if (raw_from is None) != (raw_to is None):
            raise CommandError("Give both --from and --to, or neither.")
        if raw_from is None:
            result = rollups_refresh()
        else:
            date_from, date_to = _date(raw_from), _date(raw_to)
            if date_from > date_to:
                raise CommandError("--from is after --to.")
            if (date_to - date_from).days > 20 * 366:
                raise CommandError("Rebuild at most 20 years at once.")
            result = rollups_rebuild(date_from=date_from, date_to=date_to)
        self.stdout.write(
            f"{result.requests} requests read, {result.changed_facts} facts changed, "
            f"{result.days} days re-summed; history read up to entry {result.last_history_id}"
        )
