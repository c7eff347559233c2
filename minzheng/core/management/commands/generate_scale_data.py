"""generate_scale_data --persons N: benchmark data (villages and a large register of persons)."""

import time

from django.core.management.base import BaseCommand, CommandError

from benchmarks.scale_data import MIN_VILLAGES, ensure_persons, ensure_villages


class Command(BaseCommand):
    help = (
        "Generate benchmark data: at least --villages current villages (generated ones are added "
        "under the real towns, codes ending 801–999) and persons with valid ID numbers spread over "
        "them until the register holds at least --persons persons (COPY on PostgreSQL). Idempotent: "
        "run it again with a larger number to top up."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--persons", type=int, required=True, help="total persons the register should hold"
        )
        parser.add_argument(
            "--villages", type=int, default=MIN_VILLAGES, help="minimum number of current villages"
        )
        parser.add_argument("--seed", type=int, default=2018)

    def handle(self, *args, persons, villages, seed, **options):
        if persons < 0:
            raise CommandError("--persons must be positive")
        started = time.monotonic()
        regions = ensure_villages(villages)
        log = (lambda message: self.stderr.write(message)) if options["verbosity"] > 1 else None
        added = ensure_persons(persons, seed=seed, villages=villages, log=log)
        self.stdout.write(
            f"{len(regions)} villages; {added} persons added in {time.monotonic() - started:.1f} s"
        )
