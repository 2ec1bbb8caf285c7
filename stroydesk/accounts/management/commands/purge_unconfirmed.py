"""``manage.py purge_unconfirmed``: delete the sign-ups never confirmed (the nightly job's work)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from stroydesk.accounts.services import user_purge_unconfirmed


class Command(BaseCommand):
    help = (
        "Delete applicant accounts whose e-mail is still unconfirmed UNCONFIRMED_ACCOUNT_DAYS "
        "after sign-up, with their applicant record, unless a request refers to them; their "
        "addresses can be signed up with again. Staff accounts are never deleted. Safe to run "
        "again. The background worker does the same every night."
    )

    def handle(self, *args, **options):
        purged = user_purge_unconfirmed()
        days = settings.UNCONFIRMED_ACCOUNT_DAYS
        self.stdout.write(f"{purged} accounts unconfirmed for over {days} days deleted")
