"""Load the knowledge base's seed articles (idempotent: a second run changes nothing)."""

from django.core.management.base import BaseCommand, CommandError

from stroydesk.directory.models import Topic
from stroydesk.directory.services import directory_seed
from stroydesk.kb.seed import SeedFormatError, kb_seed


class Command(BaseCommand):
    help = "Create or update the knowledge base's seed articles from stroydesk/kb/data/articles."

    def handle(self, *args, **options):
        if not Topic.objects.exists():
            directory_seed()
        try:
            report = kb_seed()
        except SeedFormatError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"knowledge base: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged"
        )
