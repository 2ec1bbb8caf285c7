from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from stroydesk.cases.demo import demo_requests, demo_users
from stroydesk.cases.models import Request


class Command(BaseCommand):
    help = "Create the demo accounts and a few hundred realistic requests (once; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2021)

    def handle(self, *args, **options):
        demo_users()
        if "seed_kb" in get_commands():
            call_command("seed_kb", verbosity=0)
        if Request.objects.exists():
            self.stdout.write("demo requests exist already; accounts checked")
            return
        created = demo_requests(count=options["requests"], seed=options["seed"])
        self.stdout.write(f"{created} demo requests created")
