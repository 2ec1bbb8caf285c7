import importlib
import importlib.util

from django.apps import apps
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from stroydesk.cases.models import Request
from stroydesk.demo.cases import demo_requests, demo_users


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
        else:
            created = demo_requests(count=options["requests"], seed=options["seed"])
            self.stdout.write(f"{created} demo requests created")
        # Every other app of ours with a ``demo`` module adds its own demo data (idempotently).
        for config in apps.get_app_configs():
            name = f"{config.name}.demo"
            if not config.name.startswith("stroydesk.") or config.name == "stroydesk.demo":
                continue
            if importlib.util.find_spec(name) is None:
                continue
            seed = getattr(importlib.import_module(name), "demo_seed", None)
            if seed is not None:
                summary = seed()
                if summary:
                    self.stdout.write(str(summary))
