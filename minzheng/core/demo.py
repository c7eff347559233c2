"""Demo data steps. Each app registers its steps in a `demo` module; `seed_demo` runs them in order.

A step is `func(ctx)`; `ctx` is a `DemoContext` shared by all steps (a fixed-seed random
generator, the system actor, and whatever earlier steps put in `ctx.data`). Steps create their
records through the apps' real services, so the demo exercises the same code as real work.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import autodiscover_modules

DEMO_PASSWORD = "Demo-2018-minzheng"
SEED = 20181231


@dataclass
class DemoContext:
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    actor: Any = None
    log: Callable[[str], None] = print
    data: dict = field(default_factory=dict)


_STEPS: list[tuple[int, str, Callable[[DemoContext], None]]] = []


def demo_step(order: int, name: str):
    def register(func):
        if not any(existing == name for _, existing, _ in _STEPS):
            _STEPS.append((order, name, func))
        return func

    return register


def demo_steps() -> list[tuple[int, str, Callable[[DemoContext], None]]]:
    autodiscover_modules("demo")
    return sorted(_STEPS, key=lambda step: step[0])
