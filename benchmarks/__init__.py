"""Benchmark scenarios for `python manage.py bench SCENARIO`.

Each scenario is a module here with `run(*, size, repeats, seed, **options) -> list[dict]`; every
dict is printed as one JSON line (INTERFACES.md: scenario, database, sizes, seconds, peak_rss_mb
and the scenario's own figures). A module may define `add_arguments(parser)` for its own options
and `DEFAULT_SIZE`. `scale_data` holds the generators shared by scenarios and by the
`generate_scale_data` command.
"""

import math
import resource
import sys


def peak_rss_mb() -> float:
    """The process's peak resident set size in MB (ru_maxrss is in KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]
