"""bench indicators: every registered indicator for one year for the district, and the statistics
pages' server time, on the data already in the database (the demo data set: run `seed_demo`).

1. `seconds`: `compute_all` for the district and `--stats-year` (default 2018), the registry's own
   path (one call per indicator), median of `--stats-repeats` runs after one cold run
   (`cold_seconds`); `slowest_ms`: the five slowest indicators of the last run.
2. `dashboard_ms`: the overview page (`/stats/?period=YEAR`) through Django's test client as a
   district officer (middleware, session, scope, template: the whole server side), median of the
   runs; also the charts fragment the page loads next (`charts_ms`, the default chart
   indicator by 镇街 and by month), an area page and a record list page.
3. `scale`: when the payroll benchmark's scale data is present (`bench payroll`: schemes
   `bench_*` with their entitlements), the same `compute_all` is timed again and the number of
   entitlements reported; otherwise the part is reported as not measured.
Targets (ISSUE 5): `seconds` ≤ 2 on the demo data, ≤ 10 on the 1,000,000-entitlement scale data
on PostgreSQL; `dashboard_ms` ≤ 300.
"""

import statistics
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from minzheng.accounts.models import User
from minzheng.accounts.roles import Role
from minzheng.registry.models import Household, Person, Region
from minzheng.stats.registry import Period, all_indicators, compute, compute_all, district

from . import peak_rss_mb

DEFAULT_YEAR = 2018
DEFAULT_REPEATS = 5
TARGET_SECONDS = 2.0
TARGET_SCALE_SECONDS = 10.0
TARGET_DASHBOARD_MS = 300.0


def add_arguments(parser):
    parser.add_argument(
        "--stats-year", type=int, default=DEFAULT_YEAR, help="indicators: the year (default 2018)"
    )
    parser.add_argument(
        "--stats-repeats", type=int, default=DEFAULT_REPEATS, help="indicators: timed runs (median reported)"
    )


def bench_user() -> User:
    user = User.objects.filter(username="bench_district").first()
    if user is None:
        root = Region.objects.get(level=Region.Level.DISTRICT, code="440113")
        user = User(username="bench_district", role=Role.DISTRICT, scope=root, first_name="bench_district")
        user.set_unusable_password()
        user.save()
    return user


def time_all(period: Period, region: Region) -> tuple[float, dict[str, float]]:
    per_indicator = {}
    started = time.perf_counter()
    for item in all_indicators():
        one = time.perf_counter()
        compute(item.id, period, region)
        per_indicator[item.id] = (time.perf_counter() - one) * 1000
    return time.perf_counter() - started, per_indicator


def time_page(client: Client, url: str, repeats: int) -> float:
    client.get(url)  # warm the template cache
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return round(statistics.median(timings), 1)


def scale_part(period: Period, region: Region, repeats: int) -> dict:
    from minzheng.benefits.models import Entitlement, Scheme

    schemes = Scheme.objects.filter(code__startswith="bench_")
    entitlements = Entitlement.objects.filter(scheme__in=schemes).count() if schemes.exists() else 0
    if not entitlements:
        return {"measured": False, "reason": "no payroll scale data (run `bench payroll` first)"}
    runs = [time_all(period, region)[0] for _ in range(max(1, repeats // 2))]
    seconds = round(statistics.median(runs), 3)
    return {
        "measured": True,
        "entitlements": entitlements,
        "seconds": seconds,
        "target_seconds": TARGET_SCALE_SECONDS,
        "within_target": seconds <= TARGET_SCALE_SECONDS,
    }


def run(*, stats_year=DEFAULT_YEAR, stats_repeats=DEFAULT_REPEATS, log=None, **options) -> list[dict]:
    log = log or (lambda message: None)
    period = Period.for_year(stats_year)
    region = district()
    if region is None:
        raise RuntimeError("no district in the database: run migrate and seed_demo first")
    cold, _ = time_all(period, region)
    runs = []
    for _ in range(stats_repeats):
        seconds, per_indicator = time_all(period, region)
        runs.append(seconds)
    seconds = statistics.median(runs)
    log(f"compute_all: {seconds:.3f}s (cold {cold:.3f}s)")

    client = Client()
    client.force_login(bench_user())
    # Static URLs without the collected manifest (a scratch data folder has not run collectstatic).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ALLOWED_HOSTS=["testserver", "localhost", "127.0.0.1"], STORAGES=storages):
        # the indicator the overview charts by default: the first with a non-zero value
        chart = next((v.indicator.id for v in compute_all(period, region) if v.value), "registry.persons")
        pages = {
            "dashboard_ms": f"/stats/?period={stats_year}",
            "charts_ms": f"/stats/indicator/{chart}/charts/?period={stats_year}",
            "area_ms": f"/stats/area/overview/?period={stats_year}",
            "records_ms": f"/stats/indicator/registry.persons/records/?period={stats_year}",
        }
        page_ms = {key: time_page(client, url, stats_repeats) for key, url in pages.items()}
    log(f"pages: {page_ms}")

    slowest = sorted(per_indicator.items(), key=lambda kv: -kv[1])[:5]
    result = {
        "scenario": "indicators",
        "database": connection.vendor,
        "year": stats_year,
        "region": region.code,
        "indicators": len(all_indicators()),
        "persons": Person.objects.count(),
        "households": Household.objects.count(),
        "repeats": stats_repeats,
        "seconds": round(seconds, 3),
        "cold_seconds": round(cold, 3),
        "slowest_ms": {key: round(ms, 1) for key, ms in slowest},
        **page_ms,
        "chart_indicator": chart,
        "target_seconds": TARGET_SECONDS,
        "target_dashboard_ms": TARGET_DASHBOARD_MS,
        "within_target": seconds <= TARGET_SECONDS and page_ms["dashboard_ms"] <= TARGET_DASHBOARD_MS,
        "scale": scale_part(period, region, stats_repeats),
        "peak_rss_mb": peak_rss_mb(),
    }
    return [result]
