"""Payment lines on PostgreSQL: partitioned by scheme, then by month; a new month is loaded bare.

`benefits_paymentline` is `PARTITION BY LIST (scheme_id)`; each scheme's partition is
`PARTITION BY RANGE (month)` with a default partition, and each month a run is built for gets a
partition of its own (`benefits_paymentline_s<scheme>_m<yyyymm>`). See migration 0004.

Why: a row-by-row insert into a table with unique indexes and foreign keys costs index
maintenance and a key check per line (about 25 s per million lines here). When a run's month has
no lines yet, the build loads its regular lines into a bare table and then attaches it as the
month's partition: PostgreSQL builds the partition's indexes in one sorted pass each and checks
every foreign key with one join each, so the unique key (entitlement, month) and the keys hold
exactly as for a row-by-row insert, at a fraction of the cost. A month that already has lines
(a rebuild after approval was refused, arrears of a later run, lines from before partitioning)
takes the row-by-row `INSERT … ON CONFLICT DO NOTHING` path. SQLite has no partitions and always
takes that path.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

from minzheng.core.months import Month

PARENT = "benefits_paymentline"
DEFAULT = f"{PARENT}_default"


def enabled() -> bool:
    return connection.vendor == "postgresql"


def scheme_table(scheme_id: int) -> str:
    return f"{PARENT}_s{int(scheme_id)}"


def month_table(scheme_id: int, month: Month) -> str:
    return f"{scheme_table(scheme_id)}_m{month.year}{month.month:02d}"


def _exists(cursor, table: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
    return cursor.fetchone()[0]


def _attached(cursor, table: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s))", [table])
    return cursor.fetchone()[0]


def ensure_scheme_partition(scheme_id: int) -> bool:
    """Create the scheme's partition (by month, with a default) if it is missing.

    False when lines of the scheme already sit in the table's default partition (made before
    the scheme had a partition): those stay where they are and the scheme is built row by row.
    """
    table = scheme_table(scheme_id)
    with transaction.atomic(), connection.cursor() as cursor:
        if _exists(cursor, table):
            return True
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE scheme_id = %s)", [scheme_id])
        if cursor.fetchone()[0]:
            return False
        cursor.execute(
            f"CREATE TABLE {table} PARTITION OF {PARENT} FOR VALUES IN ({int(scheme_id)}) "
            "PARTITION BY RANGE (month)"
        )
        cursor.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    return True


def can_load_bare(scheme_id: int, month: Month) -> bool:
    """True when the month has no lines of the scheme yet, so it can be loaded as a new partition.

    An empty month partition (left by a rebuild or by deleting a run) is dropped first.
    """
    if not enabled() or not ensure_scheme_partition(scheme_id):
        return False
    table = month_table(scheme_id, month)
    with transaction.atomic(), connection.cursor() as cursor:
        if _exists(cursor, table):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            if cursor.fetchone()[0]:
                return False
            if _attached(cursor, table):
                cursor.execute(f"ALTER TABLE {scheme_table(scheme_id)} DETACH PARTITION {table}")
            cursor.execute(f"DROP TABLE {table}")
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {scheme_table(scheme_id)}_default WHERE month = %s)",
            [month.first_day],
        )
        return not cursor.fetchone()[0]


def drop_run_month(run_id: int, scheme_id: int, month: Month) -> bool:
    """Drop the month's partition when it holds lines of this run only (a draft being rebuilt):
    instant, where deleting its lines one by one costs a key check each. False when it does not
    exist or holds other runs' lines too (then the caller deletes the run's lines)."""
    if not enabled():
        return False
    table = month_table(scheme_id, month)
    with transaction.atomic(), connection.cursor() as cursor:
        if not _exists(cursor, table) or not _attached(cursor, table):
            return False
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE run_id <> %s)", [run_id])
        if cursor.fetchone()[0]:
            return False
        cursor.execute(f"ALTER TABLE {scheme_table(scheme_id)} DETACH PARTITION {table}")
        cursor.execute(f"DROP TABLE {table}")
    return True


def staging_table(scheme_id: int, month: Month) -> str:
    return f"{month_table(scheme_id, month)}_load"


def staged_lines(run_id: int, scheme_id: int, month: Month) -> int:
    """Lines of the run loaded so far into the month's bare table (0 when there is none)."""
    if not enabled():
        return 0
    stage = staging_table(scheme_id, month)
    with connection.cursor() as cursor:
        if not _exists(cursor, stage):
            return 0
        cursor.execute(f"SELECT COUNT(*) FROM {stage} WHERE run_id = %s", [run_id])
        return cursor.fetchone()[0]


def load_bare(
    run_id: int,
    scheme_id: int,
    month: Month,
    sql: str,
    chunks: list[tuple[int, int, list]],
    progress: Callable[[int], None] = lambda done: None,
) -> None:
    """Run `sql` (an INSERT … SELECT into `{table}`) once per chunk into a bare table, then attach
    the table as the scheme's partition for `month`.

    `chunks` are (first entitlement id, end id (excluded), parameters) in id order. Each chunk commits on its own, so
    progress is visible and a build that dies half-way resumes after the last chunk it loaded
    (the bare table is not part of the payment lines until it is attached, so nobody sees a
    half-loaded month). The attach is one transaction: PostgreSQL builds the partition's indexes
    and checks every foreign key there, and a line that breaks a key fails the whole month.
    """
    table, stage = month_table(scheme_id, month), staging_table(scheme_id, month)
    resume_after = None
    with transaction.atomic(), connection.cursor() as cursor:
        if _exists(cursor, stage):
            cursor.execute(f"SELECT bool_and(run_id = %s), MAX(entitlement_id) FROM {stage}", [run_id])
            same_run, resume_after = cursor.fetchone()
            if same_run is False:
                cursor.execute(f"DROP TABLE {stage}")
                resume_after = None
        if not _exists(cursor, stage):
            cursor.execute(f"CREATE TABLE {stage} (LIKE {PARENT} INCLUDING DEFAULTS)")
    for done, (first_id, end_id, params) in enumerate(chunks, start=1):
        # chunks commit whole and in id order, so every id up to the largest loaded is loaded
        if resume_after is not None and end_id - 1 <= resume_after:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            if resume_after is not None and first_id <= resume_after:
                cursor.execute(f"DELETE FROM {stage} WHERE entitlement_id >= %s", [first_id])
            cursor.execute(sql.format(table=stage), params)
        progress(done)
    first, after = month.first_day.isoformat(), (month + 1).first_day.isoformat()
    with transaction.atomic(), connection.cursor() as cursor:
        # the check lets ATTACH skip its own scan for rows outside the month
        cursor.execute(
            f"ALTER TABLE {stage} ADD CONSTRAINT {stage}_bounds CHECK "
            f"(scheme_id = {int(scheme_id)} AND month >= '{first}' AND month < '{after}')"
        )
        cursor.execute(f"ALTER TABLE {stage} RENAME TO {table}")
        cursor.execute(
            f"ALTER TABLE {scheme_table(scheme_id)} ATTACH PARTITION {table} "
            f"FOR VALUES FROM ('{first}') TO ('{after}')"
        )
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {stage}_bounds")
