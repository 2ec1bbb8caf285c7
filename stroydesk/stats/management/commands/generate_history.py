"""``manage.py generate_history --year 2021 --count 34744 --seed 1``: a past year of history."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from stroydesk.stats.generator import GenerationRefused, generate_history


class Command(BaseCommand):
    help = (
        "Create a past year of requests through the same services as real work (seasonality, "
        "channel mix, escalations, authority answer times), then refresh the statistics."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="A past year, e.g. 2021.")
        parser.add_argument("--count", type=int, required=True, help="Requests in the year.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same history.")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Generate this fraction of --count (same shape), e.g. 0.025 for a quick sample.",
        )

    def handle(self, *args, **options):
        try:
            result = generate_history(
                year=options["year"],
                count=options["count"],
                seed=options["seed"],
                scale=options["scale"],
                progress=self.stdout.write if options["verbosity"] > 1 else None,
            )
        except GenerationRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{result.year}: {result.created} requests, {result.service_calls} service calls "
            f"in {result.seconds:.1f} s ({1000 * result.seconds / max(result.created, 1):.1f} ms "
            "per request)"
        )
