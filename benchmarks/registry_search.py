"""bench registry_search: register look-ups at scale, and the persons import rate.

1. Makes sure the register holds `--size` persons (generating the missing ones, see scale_data).
2. Looks persons up through the platform's own selector `registry.selectors.search_persons`, as a
   district officer (whole district) and as a town caseworker (市桥街道, scoped): by full ID
   number, by the last six digits and by name (surname + first given-name character), each
   `--repeats` times with random existing targets. A look-up is what the search page does:
   the selector's queryset, first page of `PAGE` rows fetched. p50/p95 in ms per kind. A fourth
   kind, `surname` (one character), shows the widest name search.
3. Writes a CSV of `--import-size` new persons, times the persons import service (the one
   `import_data` and the back office use) on it, then deletes those rows again.
"""

import random
import tempfile
import time
from pathlib import Path

from django.db import connection
from django.db.models import Max, Min

from minzheng.accounts.models import User
from minzheng.accounts.roles import Role
from minzheng.accounts.scoping import visible_to
from minzheng.core.datasets import import_dataset
from minzheng.core.models import AuditLog
from minzheng.registry.models import Person, Region
from minzheng.registry.selectors import search_persons

from . import peak_rss_mb, percentile
from .scale_data import ensure_persons

DEFAULT_SIZE = 1_000_000
DEFAULT_IMPORT_SIZE = 100_000
PAGE = 50
WARM_UP = 10
KINDS = {
    "id_full": lambda person: person.id_number,
    "id_tail": lambda person: person.id_number[-6:],
    "name": lambda person: person.name[:2],
    "surname": lambda person: person.name[:1],  # one character: the widest name search
}


def add_arguments(parser):
    parser.add_argument(
        "--import-size",
        type=int,
        default=DEFAULT_IMPORT_SIZE,
        help=f"registry_search: persons in the timed import (default {DEFAULT_IMPORT_SIZE}; 0 skips it)",
    )


def bench_users() -> tuple[User, User]:
    district = Region.objects.get(level=Region.Level.DISTRICT, code="440113")
    town = Region.objects.get(level=Region.Level.TOWN, code="440113007000", valid_to__isnull=True)
    users = []
    for username, role, scope in (
        ("bench_district", Role.DISTRICT, district),
        ("bench_town", Role.TOWN, town),
    ):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, role=role, scope=scope, first_name=username)
            user.set_unusable_password()
            user.save()
        users.append(User.objects.select_related("scope").get(pk=user.pk))
    return users[0], users[1]


def measure(user, targets: list[Person], kind: str) -> dict:
    make_query = KINDS[kind]
    for person in targets[:WARM_UP]:
        list(search_persons(user, make_query(person))[:PAGE])
    timings = []
    rows = 0
    misses = 0
    for person in targets:
        query = make_query(person)
        started = time.perf_counter()
        found = list(search_persons(user, query)[:PAGE])
        timings.append((time.perf_counter() - started) * 1000)
        rows += len(found)
        if kind.startswith("id_") and person.pk not in {p.pk for p in found}:
            misses += 1
    return {
        "p50_ms": round(percentile(timings, 0.50), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "max_ms": round(max(timings), 2),
        "avg_rows": round(rows / len(targets), 1),
        "misses": misses,
        "seconds": sum(timings) / 1000,
    }


def random_targets(user, count: int, rng: random.Random) -> list[Person]:
    """`count` random persons the user can see (random ids, cheap on big tables)."""
    queryset = visible_to(user, Person.objects.only("id", "id_number", "name", "region_id"))
    bounds = Person.objects.aggregate(low=Min("id"), high=Max("id"))
    found: dict[int, Person] = {}
    for _ in range(50):
        if len(found) >= count or bounds["low"] is None:
            break
        picks = [rng.randint(bounds["low"], bounds["high"]) for _ in range(count * 4)]
        found.update({person.pk: person for person in queryset.filter(pk__in=picks)})
    if len(found) < count:
        found.update({person.pk: person for person in queryset.order_by("?")[:count]})
    targets = sorted(found.values(), key=lambda person: person.pk)
    rng.shuffle(targets)
    return targets[:count]


def measure_import(user, size: int, seed: int) -> dict:
    """Time the persons import service on a generated CSV of `size` rows, then remove the rows."""
    from .scale_data import write_import_csv

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "persons.csv"
        write_import_csv(path, size, seed=seed)
        last_person = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
        last_audit = AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        started = time.perf_counter()
        result = import_dataset("persons", path, actor=user)
        seconds = time.perf_counter() - started
    if not result.ok:
        raise RuntimeError(f"benchmark import rejected: {result.errors[:5]}")
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {AuditLog._meta.db_table} WHERE id > %s AND action = 'import' AND actor_id = %s",
            [last_audit, user.pk],
        )
        cursor.execute(f"DELETE FROM {Person._meta.db_table} WHERE id > %s", [last_person])
    return {
        "import_size": size,
        "import_seconds": round(seconds, 2),
        "rows_per_second": round(result.created / seconds) if seconds else None,
    }


def run(
    *, size=None, repeats=200, seed=2018, import_size=DEFAULT_IMPORT_SIZE, log=None, **options
) -> list[dict]:
    size = size or DEFAULT_SIZE
    log = log or (lambda message: None)
    started = time.perf_counter()
    generated = ensure_persons(size, seed=seed, log=log)
    generate_seconds = time.perf_counter() - started
    district_user, town_user = bench_users()
    rng = random.Random(seed)
    lookups: dict[str, dict] = {}
    lookup_seconds = 0.0
    for label, user in (("district", district_user), ("town", town_user)):
        targets = random_targets(user, repeats, rng)
        lookups[label] = {}
        for kind in KINDS:
            figures = measure(user, targets, kind)
            lookup_seconds += figures.pop("seconds")
            lookups[label][kind] = figures
        log(f"{label}: {lookups[label]}")
    result = {
        "scenario": "registry_search",
        "database": connection.vendor,
        "size": size,
        "persons": Person.objects.count(),
        "generated": generated,
        "generate_seconds": round(generate_seconds, 1),
        "repeats": repeats,
        "page_size": PAGE,
        "seconds": round(lookup_seconds, 3),
        "lookups": lookups,
        "p95_ms_max": max(f["p95_ms"] for kinds in lookups.values() for f in kinds.values()),
        "misses": sum(f["misses"] for kinds in lookups.values() for f in kinds.values()),
    }
    if import_size:
        result.update(measure_import(district_user, import_size, seed + 1))
    result["peak_rss_mb"] = peak_rss_mb()
    return [result]
