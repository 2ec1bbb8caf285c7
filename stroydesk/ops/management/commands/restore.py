from pathlib import Path

from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError

from stroydesk.ops.backup import BackupError, Target, backup_restore, current_database_url


class Command(BaseCommand):
    help = (
        "Restore a backup folder into an EMPTY database (this installation's, or --database-url)"
        " and storage; checks every table's rows and every file's checksum afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="The backup folder (made by manage.py backup).")
        parser.add_argument("--database-url", default="", help="Restore into this database.")
        parser.add_argument("--media-root", default="", help="Restore the files into this folder.")

    def handle(self, *args, **options):
        storage = (
            FileSystemStorage(location=options["media_root"])
            if options["media_root"]
            else default_storage
        )
        target = Target(
            database_url=options["database_url"] or current_database_url(), storage=storage
        )
        try:
            result = backup_restore(source=Path(options["source"]), target=target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {result['tables']} tables, {result['rows']} rows, {result['files']} files"
        )
