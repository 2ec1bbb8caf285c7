"""``manage.py verify_access_log``: check the hash chain of the personal-data access log."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from stroydesk.accounts.audit import access_log_verify


class Command(BaseCommand):
    help = (
        "Walk the personal-data access log from its first entry and check that each entry "
        "carries the hash of the one before and that its own hash matches its fields. Exits "
        "non-zero naming the first entry that was changed, removed behind or slipped in."
    )

    def handle(self, *args, **options):
        checked, broken = access_log_verify()
        if broken is not None:
            what = {
                "prev_hash": "does not carry the hash of the entry before it (one removed or "
                "slipped in)",
                "hash": "does not match its own fields (changed)",
            }[broken.reason]
            raise CommandError(
                f"access log broken at entry {broken.entry_id}: it {what}; "
                f"{checked} entries before it hold"
            )
        self.stdout.write(f"access log intact: {checked} entries")
