"""bench SCENARIO [--size N] …: run a benchmark scenario from the `benchmarks` package."""

import json
import pkgutil
from importlib import import_module

from django.core.management.base import BaseCommand, CommandError


def scenarios() -> dict:
    """Modules of the `benchmarks` package (at the repository root) that define `run`."""
    try:
        package = import_module("benchmarks")
    except ImportError:
        return {}
    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = import_module(f"benchmarks.{info.name}")
        if callable(getattr(module, "run", None)):
            found[info.name] = module
    return found


class Command(BaseCommand):
    help = (
        "Run a benchmark scenario and print one JSON object per line (scenario, database, sizes, "
        "seconds, peak_rss_mb and the scenario's figures). Scenarios live in benchmarks/ at the "
        "repository root; e.g. `bench registry_search --size 1000000` (generates missing data first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="scenario name: " + ", ".join(sorted(scenarios())))
        parser.add_argument("--size", type=int, help="data size (each scenario has its own default)")
        parser.add_argument("--repeats", type=int, default=200, help="repetitions of each measured operation")
        parser.add_argument(
            "--seed", type=int, default=2018, help="random seed for generated data and targets"
        )
        parser.conflict_handler = "resolve"
        for module in scenarios().values():
            if hasattr(module, "add_arguments"):
                module.add_arguments(parser)

    def handle(self, *args, scenario, **options):
        modules = scenarios()
        if scenario not in modules:
            raise CommandError(
                f"unknown scenario {scenario!r}; available: {', '.join(sorted(modules)) or 'none'}"
            )
        for key in ("settings", "pythonpath", "traceback", "no_color", "force_color", "skip_checks"):
            options.pop(key, None)
        verbosity = options.pop("verbosity", 1)
        log = (lambda message: self.stderr.write(message)) if verbosity > 1 else None
        for result in modules[scenario].run(log=log, **options):
            self.stdout.write(json.dumps(result, ensure_ascii=False))
