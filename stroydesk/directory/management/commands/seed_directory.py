from django.core.management.base import BaseCommand

from stroydesk.directory.services import directory_seed


class Command(BaseCommand):
    help = "Load the authorities of the construction complex and the topic tree (idempotent)."

    def handle(self, *args, **options):
        authorities, topics = directory_seed()
        self.stdout.write(f"{authorities} authorities, {topics} topics")
