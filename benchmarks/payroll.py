"""bench payroll: one month's payroll for `--size` active entitlements, built by the engine.

1. Scale data (generated once and reused while the size stays the same): persons as needed (the
   register's generator, scale_data), four benefit schemes of kind "fixed" with district
   standards that rise in July and 20 村居-level standards (5 villages per scheme) that override
   them, `--size` active entitlements spread over the schemes (35/30/20/15 %) with their amount
   periods (one or two per entitlement, with a trace, as a recalculation writes them), and bank
   accounts for 98 % of the persons (the others' lines are `held`). Rows go in with set-based
   `INSERT … SELECT` statements by id range; schemes and standards through the services.
2. `seconds`: the month (MONTH) is built for every scheme through `payroll.build_run` — the
   engine's own path, with its lock, chunks, re-issues, adjustments, totals and audit — after
   the old lines of those runs were removed (not timed). `regular_lines_seconds` is the part
   spent inserting the regular lines.
3. `floor_seconds`: one bare `INSERT … SELECT` producing the same lines (same joins, same
   columns) into a scratch table without any index or constraint, in the same database.
   `floor_constrained_seconds`: the same statement (with ON CONFLICT DO NOTHING) into a scratch
   copy of benefits_paymentline with all its indexes, unique constraints and foreign keys, timed
   to the commit — what storing these rows with the table's guarantees costs, whoever does it.
   Both floors' line count and total are compared with the engine's (`matches_floor`).
4. `baseline_seconds`: a per-record ORM implementation (iterate the entitlements, look up the
   amount period, look up the bank account, create the `PaymentLine` — three queries per
   entitlement) timed on `--baseline-sample` entitlements for the month before, inside a
   transaction that is rolled back, and scaled linearly to the size.
5. `rebuild_seconds`: the built month built again (a rebuild of drafts: the old lines go with one
   DELETE, never through Python); `rebuild_identical` compares count and total.
6. The month is then approved (so that it counts, and `bench indicators` finds it) and the
   year's paid amount, recipients and person-times of the bench schemes are computed through
   `benefits.selectors` for the district and a 镇街: `indicator_ms_max`, `indicators_match`.
7. `peak_rss_mb`: the process's peak resident set size from the start of step 2 to the end (the
   peak is reset after generating the data where Linux allows it, `peak_rss_scope`; the
   generation's own peak is `generate_peak_rss_mb`). `duplicate_payments`: regular lines per
   (entitlement, month) beyond one, counted with SQL after the build and after the rebuild.
"""

from __future__ import annotations

import re
import time
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.accounts.roles import Role
from minzheng.benefits import partitions, selectors
from minzheng.benefits.models import AmountPeriod, BankAccount, Entitlement, PaymentLine, PayrollRun, Scheme
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import create_scheme, set_standard
from minzheng.core.months import Month
from minzheng.registry.models import Person, Region
from minzheng.stats.registry import Period

from . import peak_rss_mb
from .scale_data import ensure_persons, ensure_villages

DEFAULT_SIZE = 1_000_000
DEFAULT_SIZE_SQLITE = 200_000
DEFAULT_BASELINE_SAMPLE = 20_000
MONTH = Month(2018, 12)
START = Month(2018, 1)
RISE = Month(2018, 7)
VILLAGE_STANDARDS_PER_SCHEME = 5
GENERATE_CHUNK = 200_000
DOCUMENT = "规模测试〔2018〕1号"
# code, name, share of the entitlements (%), district amount Jan–Jun, from July, village rows add
SCHEMES = (
    ("bench_nursing", "规模测试·重度残疾人护理补贴", 35, "200.00", "240.00", "20.00"),
    ("bench_living", "规模测试·困难残疾人生活补贴", 30, "150.00", "180.00", "15.00"),
    ("bench_longevity", "规模测试·长寿保健金", 20, "100.00", "110.00", "10.00"),
    ("bench_orphan", "规模测试·困境儿童基本生活费", 15, "1300.00", "1420.00", "60.00"),
)
FLOOR_TABLE = "bench_payroll_floor"


def add_arguments(parser):
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=DEFAULT_BASELINE_SAMPLE,
        help=f"payroll: entitlements in the timed per-record baseline (default {DEFAULT_BASELINE_SAMPLE}; 0 skips it)",
    )
    parser.add_argument(
        "--no-rebuild",
        dest="rebuild",
        action="store_false",
        help="payroll: skip the timed rebuild of the built month",
    )


# --- scale data -----------------------------------------------------------------------------


def scheme_sizes(size: int) -> list[int]:
    """How many entitlements each scheme gets: the shares of `size`, the rest to the first."""
    sizes = [size * share // 100 for _, _, share, *_ in SCHEMES]
    sizes[0] += size - sum(sizes)
    return sizes


def bench_users() -> tuple[User, User]:
    """A district officer (schemes, standards) and a finance officer (builds the runs)."""
    district = Region.objects.get(level=Region.Level.DISTRICT, code="440113")
    users = []
    for username, role in (("bench_district", Role.DISTRICT), ("bench_finance", Role.FINANCE)):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, role=role, scope=district, first_name=username)
            user.set_unusable_password()
            user.save()
        users.append(user)
    return users[0], users[1]


def ensure_schemes(officer: User, villages: list[Region]) -> list[Scheme]:
    """The bench schemes with their standards (created once, through the services)."""
    district = Region.objects.get(level=Region.Level.DISTRICT, code="440113")
    ordered = sorted(villages, key=lambda v: v.code)
    step = max(1, len(ordered) // (VILLAGE_STANDARDS_PER_SCHEME * len(SCHEMES)))
    picks = ordered[::step]
    schemes = []
    for index, (code, name, _share, *amounts) in enumerate(SCHEMES):
        before, after, extra = (Decimal(amount) for amount in amounts)
        scheme = Scheme.objects.filter(code=code).first()
        if scheme is None:
            scheme = create_scheme(actor=officer, code=code, name=name, kind=Scheme.Kind.FIXED)
            set_standard(
                actor=officer,
                scheme=scheme,
                region=district,
                valid_from=START,
                amount=before,
                document=DOCUMENT,
            )
            set_standard(
                actor=officer,
                scheme=scheme,
                region=district,
                valid_from=RISE,
                amount=after,
                document=DOCUMENT,
            )
            first = index * VILLAGE_STANDARDS_PER_SCHEME
            for village in picks[first : first + VILLAGE_STANDARDS_PER_SCHEME]:
                set_standard(
                    actor=officer,
                    scheme=scheme,
                    region=village,
                    valid_from=START,
                    amount=after + extra,
                    document=DOCUMENT,
                )
        schemes.append(scheme)
    return schemes


ENTITLEMENT_COLUMNS = (
    "created_at",
    "updated_at",
    "start_month",
    "end_month",
    "status",
    "assessed_income",
    "fixed_amount",
    "monthly_amount",
    "trace",
    "adjust_from",
    "adjust_marked_at",
    "end_reason",
    "revoked",
    "recurring",
    "household_id",
    "person_id",
    "region_id",
    "scheme_id",
)

ENTITLEMENTS_SQL = """
INSERT INTO benefits_entitlement ({columns})
SELECT %s, %s, %s, NULL, 'active', 0, NULL, COALESCE(v.amount, d.amount), '{{}}', NULL, NULL, '', {false}, {true},
       NULL, p.id, p.region_id, %s
FROM registry_person p
JOIN benefits_standard d ON d.scheme_id = %s AND d.region_id = %s AND d.valid_to IS NULL
LEFT JOIN benefits_standard v ON v.scheme_id = %s AND v.region_id = p.region_id
WHERE p.id >= %s AND p.id <= %s AND p.death_date IS NULL
ORDER BY p.id
"""

PERIODS_SQL = """
INSERT INTO benefits_amountperiod (entitlement_id, from_month, to_month, amount, trace)
SELECT e.id, s.valid_from, s.valid_to, s.amount, {trace}
FROM benefits_entitlement e
JOIN benefits_standard s ON s.scheme_id = e.scheme_id
 AND (s.region_id = e.region_id
      OR (s.region_id = %s AND NOT EXISTS (
          SELECT 1 FROM benefits_standard v WHERE v.scheme_id = e.scheme_id AND v.region_id = e.region_id)))
WHERE e.scheme_id = %s AND e.id >= %s AND e.id < %s
"""

TRACE_SQL = {
    "postgresql": (
        "jsonb_build_object('standard', jsonb_build_object('id', s.id, 'amount', s.amount::text, "
        "'document', s.document), 'formula', '定额 ' || s.amount::text || ' 元', 'reason', '规模测试数据')"
    ),
    "sqlite": (
        "json_object('standard', json_object('id', s.id, 'amount', printf('%%.2f', s.amount), "
        "'document', s.document), 'formula', '定额 ' || printf('%%.2f', s.amount) || ' 元', "
        "'reason', '规模测试数据')"
    ),
}

ACCOUNTS_SQL = """
INSERT INTO benefits_bankaccount (created_at, updated_at, bank_name, account_name, account_number, person_id)
SELECT %s, %s, '规模测试农商银行', p.name, {number}, p.id
FROM registry_person p
WHERE p.id >= %s AND p.id <= %s AND p.id %% 50 <> 0
  AND NOT EXISTS (SELECT 1 FROM benefits_bankaccount b WHERE b.person_id = p.id)
"""

ACCOUNT_NUMBER_SQL = {
    "postgresql": "'6222' || lpad(p.id::text, 15, '0')",
    "sqlite": "'6222' || printf('%%015d', p.id)",
}


def _check_columns() -> None:
    model_columns = {f.column for f in Entitlement._meta.concrete_fields if not f.primary_key}
    if model_columns != set(ENTITLEMENT_COLUMNS):
        raise RuntimeError(
            f"Entitlement's columns changed; update benchmarks/payroll.py: {model_columns ^ set(ENTITLEMENT_COLUMNS)}"
        )


def _vendor() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def remove_bench_data(schemes: list[Scheme]) -> None:
    """Entitlements, periods, runs and lines of the bench schemes (schemes and standards stay)."""
    ids = [s.pk for s in schemes]
    with transaction.atomic(), connection.cursor() as cursor:
        params = ids
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"DELETE FROM benefits_paymentline WHERE run_id IN "
            f"(SELECT id FROM benefits_payrollrun WHERE scheme_id IN ({marks}))",
            params,
        )
        cursor.execute(
            f"DELETE FROM benefits_paymentline WHERE entitlement_id IN "
            f"(SELECT id FROM benefits_entitlement WHERE scheme_id IN ({marks}))",
            params,
        )
        cursor.execute(f"DELETE FROM benefits_payrollrun WHERE scheme_id IN ({marks})", params)
        cursor.execute(
            f"DELETE FROM benefits_amountperiod WHERE entitlement_id IN "
            f"(SELECT id FROM benefits_entitlement WHERE scheme_id IN ({marks}))",
            params,
        )
        cursor.execute(f"DELETE FROM benefits_entitlement WHERE scheme_id IN ({marks})", params)


def ensure_entitlements(schemes: list[Scheme], size: int, *, seed: int, log) -> int:
    """`size` active entitlements over the schemes (regenerated when the size differs).
    Returns how many were generated (0 when the data was already there)."""
    _check_columns()
    sizes = scheme_sizes(size)
    current = dict(
        Entitlement.objects.filter(scheme__in=schemes, status=Entitlement.Status.ACTIVE)
        .values_list("scheme_id")
        .annotate(n=Count("id"))
    )
    if all(current.get(s.pk, 0) == n for s, n in zip(schemes, sizes, strict=True)) and (
        Entitlement.objects.filter(scheme__in=schemes).count() == size
    ):
        return 0
    remove_bench_data(schemes)
    ensure_persons(max(sizes), seed=seed, log=log)
    district = Region.objects.get(level=Region.Level.DISTRICT, code="440113")
    vendor = _vendor()
    now = timezone.now()
    true, false = ("TRUE", "FALSE") if vendor == "postgresql" else ("1", "0")
    entitlements_sql = ENTITLEMENTS_SQL.format(columns=", ".join(ENTITLEMENT_COLUMNS), true=true, false=false)
    periods_sql = PERIODS_SQL.format(trace=TRACE_SQL[vendor])
    alive = Person.objects.filter(death_date__isnull=True).order_by("id").values_list("id", flat=True)
    last_person = alive[max(sizes) - 1]
    for scheme, count in zip(schemes, sizes, strict=True):
        if not count:
            continue
        last = alive[count - 1]
        low = alive.first()
        while low is not None and low <= last:
            high = min(last, low + GENERATE_CHUNK - 1)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    entitlements_sql,
                    [now, now, START.first_day, scheme.pk, scheme.pk, district.pk, scheme.pk, low, high],
                )
            low = high + 1
        bounds = Entitlement.objects.filter(scheme=scheme).values_list("id", flat=True).order_by("id")
        first, final = bounds.first(), bounds.last()
        for start in range(first, final + 1, GENERATE_CHUNK):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(periods_sql, [district.pk, scheme.pk, start, start + GENERATE_CHUNK])
        log(f"{scheme.code}: {count} entitlements with their amount periods")
    first_person = alive.first()
    number = ACCOUNT_NUMBER_SQL[vendor]
    for low in range(first_person, last_person + 1, GENERATE_CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                ACCOUNTS_SQL.format(number=number),
                [now, now, low, min(last_person, low + GENERATE_CHUNK - 1)],
            )
    log("bank accounts for 98 % of the recipients")
    _settle(["benefits_entitlement", "benefits_amountperiod", "benefits_bankaccount", "benefits_standard"])
    return size


def _settle(tables: list[str]) -> None:
    """VACUUM ANALYZE freshly loaded tables (as autovacuum would), so measurements are not skewed."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else f"ANALYZE {table}"
            )


# --- measurements ---------------------------------------------------------------------------


def fresh_runs(schemes: list[Scheme], builder: User) -> list[PayrollRun]:
    """The month's draft runs, empty (lines of an earlier bench run removed; not timed)."""
    runs = [get_or_create_run(scheme, MONTH, actor=builder) for scheme in schemes]
    ids = [r.pk for r in runs]
    for built in runs:  # the month's partition of a run is dropped whole (PostgreSQL)
        partitions.drop_run_month(built.pk, built.scheme_id, MONTH)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM benefits_paymentline WHERE run_id IN ({', '.join(['%s'] * len(ids))})", ids
            )
        PayrollRun.objects.filter(pk__in=ids).update(
            status=PayrollRun.Status.DRAFT,
            approved_by=None,
            approved_at=None,
            exported_at=None,
            reconciled_at=None,
            line_count=0,
            total_amount=0,
        )
    _settle(["benefits_paymentline"])
    return runs


FLOOR_SQL = """
INSERT INTO {table}
    (run_id, scheme_id, entitlement_id, person_id, region_id, month, kind, amount, status, failure_reason)
SELECT r.id, e.scheme_id, e.id, e.person_id, e.region_id, %s, 'regular', a.amount,
       CASE WHEN ba.id IS NULL THEN 'held' ELSE 'pending' END, ''
FROM benefits_entitlement e
JOIN benefits_payrollrun r ON r.scheme_id = e.scheme_id AND r.month = %s
JOIN benefits_amountperiod a
  ON a.entitlement_id = e.id AND a.from_month <= %s AND (a.to_month IS NULL OR a.to_month >= %s)
LEFT JOIN benefits_bankaccount ba ON ba.person_id = e.person_id
WHERE r.id IN ({runs})
  AND e.start_month <= %s AND (e.end_month IS NULL OR e.end_month >= %s)
  AND e.status <> 'suspended' AND a.amount > 0
{conflict}"""


def _create_bare_table(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TABLE {table} (run_id bigint, scheme_id bigint, entitlement_id bigint, person_id bigint, "
            "region_id bigint, month date, kind varchar(10), amount numeric(12, 2), status varchar(10), "
            "failure_reason varchar(200))"
        )


def _create_constrained_table(table: str) -> None:
    """A scratch copy of benefits_paymentline with its indexes, unique constraints and foreign keys."""
    source = PaymentLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE {table} (LIKE {source} INCLUDING ALL)")
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f'",
                [source],
            )
            for (definition,) in cursor.fetchall():
                definition = re.sub(rf"REFERENCES {source}\b", f"REFERENCES {table}", definition)
                cursor.execute(f"ALTER TABLE {table} ADD {definition}")
            return
        cursor.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
            "ORDER BY type = 'index'",
            [source],
        )
        for kind, sql in cursor.fetchall():
            sql = sql.replace(f'"{source}"', f'"{table}"')
            if kind == "index":
                sql = re.sub(r'INDEX "([^"]+)"', rf'INDEX "\1_{table}"', sql, count=1)
            cursor.execute(sql)


def measure_floor(runs: list[PayrollRun], *, constrained: bool) -> dict:
    """The same lines from one INSERT … SELECT into a scratch table: a bare one (no index, no
    constraint), or a copy of benefits_paymentline with its indexes, unique constraints and foreign
    keys (then with ON CONFLICT DO NOTHING, as the engine), timed to the commit."""
    table = FLOOR_TABLE + ("_constrained" if constrained else "")
    if constrained:
        _create_constrained_table(table)
    else:
        _create_bare_table(table)
    day = MONTH.first_day
    sql = FLOOR_SQL.format(
        table=table,
        runs=", ".join(str(r.pk) for r in runs),
        conflict="ON CONFLICT DO NOTHING" if constrained else "",
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [day, day, day, day, day, day])
        if constrained and connection.vendor == "postgresql":
            # check the deferred foreign keys now, even when this runs inside an outer transaction
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM(amount) FROM {table}")
        count, total = cursor.fetchone()
        cursor.execute(f"DROP TABLE {table}")
    return {"seconds": seconds, "lines": count, "total": _money(total)}


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def build_month(runs: list[PayrollRun], builder: User, log) -> dict:
    """Build every run of the month through the engine; the regular lines' phase timed apart."""
    regular = 0.0
    started = time.perf_counter()
    for built in runs:
        begun = time.perf_counter()
        marks = {}

        def progress(percent, message="", begun=begun, marks=marks):
            if percent >= 85 and "regular" not in marks:
                marks["regular"] = time.perf_counter() - begun

        build_run(built, actor=builder, progress=progress)
        regular += marks.get("regular", 0.0)
        log(f"built {built.scheme.code}: {built.line_count} lines")
    return {"seconds": time.perf_counter() - started, "regular_seconds": regular}


def month_figures(runs: list[PayrollRun]) -> dict:
    totals = PaymentLine.objects.filter(run_id__in=[r.pk for r in runs]).aggregate(
        lines=Count("id"), total=Sum("amount")
    )
    with connection.cursor() as cursor:
        cursor.execute(DUPLICATES_SQL, [MONTH.first_day])
        duplicates = int(cursor.fetchone()[0])
    return {"lines": totals["lines"], "total": _money(totals["total"]), "duplicates": duplicates}


def measure_baseline(schemes: list[Scheme], builder: User, sample: int) -> float:
    """Per-record ORM: a loop over entitlements with three queries each, rolled back."""
    month = MONTH - 1
    day = month.first_day
    started = time.perf_counter()
    with transaction.atomic():
        runs = {s.pk: PayrollRun.objects.create(scheme=s, month=day, built_by=builder) for s in schemes}
        entitlements = (
            Entitlement.objects.filter(scheme__in=schemes, status=Entitlement.Status.ACTIVE)
            .order_by("id")[:sample]
            .iterator(chunk_size=2000)
        )
        for entitlement in entitlements:
            if entitlement.start_month > day or (entitlement.end_month and entitlement.end_month < day):
                continue
            period = (
                AmountPeriod.objects.filter(entitlement=entitlement, from_month__lte=day)
                .filter(Q(to_month__isnull=True) | Q(to_month__gte=day))
                .first()
            )
            if period is None or period.amount <= 0:
                continue
            has_account = BankAccount.objects.filter(person_id=entitlement.person_id).exists()
            PaymentLine.objects.create(
                run=runs[entitlement.scheme_id],
                scheme_id=entitlement.scheme_id,
                entitlement=entitlement,
                person_id=entitlement.person_id,
                region_id=entitlement.region_id,
                month=day,
                kind=PaymentLine.Kind.REGULAR,
                amount=period.amount,
                status=PaymentLine.Status.PENDING if has_account else PaymentLine.Status.HELD,
            )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def measure_indicators(schemes: list[Scheme], runs: list[PayrollRun], approver: User, figures: dict) -> dict:
    """Approve the month (so that it counts, and `bench indicators` finds it) and time the payroll
    figures of the year over it: paid amount, recipients and person-times, for the district and a
    镇街, through the selectors the indicators use. `indicators_match` checks the district's
    figures against the lines."""
    for built in runs:
        approve_run(built, actor=approver)
    codes = [s.code for s in schemes]
    period = Period.for_year(MONTH.year)
    district = Region.objects.get(level=Region.Level.DISTRICT, code="440113")
    town = Region.objects.filter(level=Region.Level.TOWN, valid_to__isnull=True).order_by("code").first()
    timings = []
    values = {}
    for region in (district, town):
        for name, function in (
            ("paid", selectors.paid_amount),
            ("recipients", selectors.recipients),
            ("person_times", selectors.person_times),
        ):
            started = time.perf_counter()
            values[(region.pk, name)] = function(codes, period, region)
            timings.append((time.perf_counter() - started) * 1000)
    paid = PaymentLine.objects.filter(run__in=runs, status__in=selectors.PAID_STATUSES).aggregate(
        total=Sum("amount")
    )["total"]
    persons = Entitlement.objects.filter(scheme__in=schemes).values("person").distinct().count()
    return {
        "indicator_ms_max": round(max(timings), 1),
        "indicators_match": (
            values[(district.pk, "paid")] == _money(paid)
            and values[(district.pk, "person_times")] == figures["lines"]
            and values[(district.pk, "recipients")] == persons
        ),
    }


DUPLICATES_SQL = """
SELECT COALESCE(SUM(n - 1), 0) FROM (
    SELECT COUNT(*) AS n FROM benefits_paymentline
    WHERE kind = 'regular' AND month = %s
    GROUP BY entitlement_id, month HAVING COUNT(*) > 1
) d
"""


def _reset_peak_rss() -> bool:
    """Reset the peak RSS (Linux: writing 5 to clear_refs resets VmHWM, which ru_maxrss reads)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def run(
    *, size=None, seed=2018, baseline_sample=DEFAULT_BASELINE_SAMPLE, rebuild=True, log=None, **options
) -> list[dict]:
    size = size or (DEFAULT_SIZE if connection.vendor == "postgresql" else DEFAULT_SIZE_SQLITE)
    log = log or (lambda message: None)
    started = time.perf_counter()
    officer, builder = bench_users()
    schemes = ensure_schemes(officer, ensure_villages())
    generated = ensure_entitlements(schemes, size, seed=seed, log=log)
    generate_seconds = time.perf_counter() - started
    generate_peak = peak_rss_mb()
    runs = fresh_runs(schemes, builder)
    peak_reset = _reset_peak_rss()

    built = build_month(runs, builder, log)
    seconds = built["seconds"]
    figures = month_figures(runs)
    floor = measure_floor(runs, constrained=False)
    log(f"floor: {floor}")
    constrained = measure_floor(runs, constrained=True)
    log(f"floor into a constrained copy: {constrained}")
    sample = min(baseline_sample or 0, size)
    baseline = measure_baseline(schemes, builder, sample) if sample else None
    result = {
        "scenario": "payroll",
        "database": connection.vendor,
        "size": size,
        "schemes": len(schemes),
        "month": str(MONTH),
        "village_standards": VILLAGE_STANDARDS_PER_SCHEME * len(schemes),
        "generated": generated,
        "generate_seconds": round(generate_seconds, 1),
        "generate_peak_rss_mb": generate_peak,
        "lines": figures["lines"],
        "total_yuan": str(figures["total"]),
        "seconds": round(seconds, 2),
        "regular_lines_seconds": round(built["regular_seconds"], 2),
        "floor_seconds": round(floor["seconds"], 2),
        "floor_ratio": round(seconds / floor["seconds"], 2) if floor["seconds"] else None,
        "floor_constrained_seconds": round(constrained["seconds"], 2),
        "floor_constrained_ratio": round(seconds / constrained["seconds"], 2)
        if constrained["seconds"]
        else None,
        "matches_floor": all(
            (f["lines"], f["total"]) == (figures["lines"], figures["total"]) for f in (floor, constrained)
        ),
        "baseline_sample": sample,
        "baseline_sample_seconds": round(baseline, 2) if baseline is not None else None,
        "baseline_seconds": round(baseline * size / sample, 1) if baseline is not None else None,
        "baseline_ratio": round(baseline * size / sample / seconds, 1) if baseline and seconds else None,
    }
    duplicates = figures["duplicates"]
    if rebuild:
        again = build_month(runs, builder, log)
        refigured = month_figures(runs)
        duplicates = max(duplicates, refigured["duplicates"])
        result["rebuild_seconds"] = round(again["seconds"], 2)
        result["rebuild_identical"] = (refigured["lines"], refigured["total"]) == (
            figures["lines"],
            figures["total"],
        )
    result.update(measure_indicators(schemes, runs, officer, figures))
    result["peak_rss_mb"] = peak_rss_mb()
    result["peak_rss_scope"] = "from the build on" if peak_reset else "whole process"
    result["duplicate_payments"] = duplicates
    return [result]
