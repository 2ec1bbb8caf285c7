from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stroydesk.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Make a consistent backup of the database and the stored files into a new folder."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(Path(settings.VAR_DIR) / "backups"), help="Parent folder."
        )

    def handle(self, *args, **options):
        try:
            folder = backup_create(output=Path(options["output"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(folder))
