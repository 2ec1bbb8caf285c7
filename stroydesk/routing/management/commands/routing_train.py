"""Train a routing model from the shipped set and the center's history, and make it active."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from stroydesk.routing import services


class Command(BaseCommand):
    help = "Train a new routing model and make it active (--keep to store it inactive)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--keep", action="store_true", help="Store it without activating.")

    def handle(self, *args: Any, **options: Any) -> None:
        model = services.model_train(activate=not options["keep"])
        m = model.metrics
        self.stdout.write(
            f"routing model v{model.version}: {model.examples} examples "
            f"({model.history_examples} from history), {model.seconds:.1f} s; "
            f"topic accuracy {m['topic']['accuracy']:.3f}, "
            f"authority accuracy {m['authority']['accuracy']:.3f}"
            + (" — active" if model.is_active else "")
        )
