"""``manage.py procedures_load [--file PATH]``: put the catalogue file in force."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from stroydesk.procedures import services
from stroydesk.procedures.loading import DATA_FILE


class Command(BaseCommand):
    help = "Load the procedures catalogue (checked whole; a bad file leaves the catalogue as is)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DATA_FILE)

    def handle(self, *args, **options):
        try:
            load = services.catalogue_load(path=options["file"], by="procedures_load")
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        self.stdout.write(f"catalogue {load.version}: {load.procedures} procedures in force")
