"""``manage.py fetch_mail``: read the active mailboxes now (the job does it every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stroydesk.channels import mailintake
from stroydesk.channels.models import Mailbox


class Command(BaseCommand):
    help = "Read new messages of the active mailboxes and turn them into requests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", help="Read only the mailbox with this name.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["mailbox"]:
            mailbox = Mailbox.objects.filter(name=options["mailbox"]).first()
            if mailbox is None:
                raise CommandError(f"No mailbox named {options['mailbox']!r}.")
            reports = [mailintake.mailbox_fetch(mailbox=mailbox)]
        else:
            reports = mailintake.mail_fetch_all()
            if not reports:
                self.stdout.write("No active mailboxes.")
        failed = 0
        for report in reports:
            counts = (
                ", ".join(f"{k}: {v}" for k, v in sorted(report.outcomes.items())) or "nothing new"
            )
            if report.error:
                failed += 1
                self.stderr.write(f"{report.mailbox}: {counts}; error: {report.error}")
            else:
                self.stdout.write(f"{report.mailbox}: {counts}")
        if failed:
            raise CommandError(f"{failed} of {len(reports)} mailboxes could not be read.")
