"""Payment lines on PostgreSQL: partitioned by scheme, then by month; a new month is loaded bare.

`benefits_paymentline` is `PARTITION BY LIST (scheme_id)`; each scheme's partition is
`PARTITION BY RANGE (month)` with a default partition, and each month a run is built for gets a
partition of its own (`benefits_paymentline_s<scheme>_m<yyyymm>`). See migration 0004.

Why: a row-by-row insert into a table with unique indexes and foreign keys costs index
maintenance and a key check per line (about 25 s per million lines here). When a run's month has
no lines yet, the build loads its regular lines into a bare table and then attaches it as the
month's partition: PostgreSQL builds the partition's indexes in one sorted pass each and checks
every foreign key with one join each, so the unique key (entitlement, month) and the keys hold
exactly as for a row-by-row insert, at a fraction of the cost. Both cores of the work are
spread over `settings.PAYROLL_LOAD_CONNECTIONS` connections (default 2): the chunks of the load,
and the index builds before ATTACH (which then adopts the indexes and only checks the keys).
A month that already has lines
(a rebuild after approval was refused, arrears of a later run, lines from before partitioning)
takes the row-by-row `INSERT … ON CONFLICT DO NOTHING` path. SQLite has no partitions and always
takes that path.
"""

from __future__ import annotations

import functools
import itertools
import queue
import threading
from collections.abc import Callable

from django.conf import settings
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

    `chunks` are (first entitlement id, end id (excluded), parameters). Each chunk commits on its
    own together with a mark in `{stage}_done`, so progress is visible and a build that dies
    half-way resumes with the chunks it had not finished (the bare table is not part of the
    payment lines until it is attached, so nobody sees a half-loaded month). Outside a
    transaction the chunks are loaded over `settings.PAYROLL_LOAD_CONNECTIONS` database
    connections at once (PostgreSQL runs an INSERT on one core). `progress` gets the number of
    chunks done so far. Then the partition's indexes are built on the loaded table (side by side,
    `_build_indexes`; a second regular line for an entitlement fails its unique index there) and
    the attach, one transaction, checks every foreign key: a line that breaks a key fails the
    whole month, and nothing of it becomes a payment line.
    """
    stage = staging_table(scheme_id, month)
    done = _prepare_stage(run_id, scheme_id, month, chunks)
    todo = [chunk for chunk in chunks if (chunk[0], chunk[1]) not in done]
    _run_parallel(
        [functools.partial(_load_chunk, stage, sql, chunk) for chunk in todo],
        finished=lambda count: progress(len(done) + count),
    )
    _build_indexes(scheme_id, month)
    _attach(scheme_id, month)


def _prepare_stage(run_id: int, scheme_id: int, month: Month, chunks: list) -> set[tuple[int, int]]:
    """Create the month's bare table, or keep the one a crashed build of this run left behind when
    it was cut into the same chunks; the chunks already loaded into it are returned."""
    stage = staging_table(scheme_id, month)
    first, after = month.first_day.isoformat(), (month + 1).first_day.isoformat()
    layout = {(chunk[0], chunk[1]) for chunk in chunks}
    with transaction.atomic(), connection.cursor() as cursor:
        done = set()
        if _exists(cursor, stage):
            cursor.execute(f"SELECT bool_and(run_id = %s) FROM {stage}", [run_id])
            keep = cursor.fetchone()[0] is not False and _exists(cursor, f"{stage}_done")
            if keep:
                cursor.execute(f"SELECT first_id, end_id FROM {stage}_done")
                done = set(cursor.fetchall())
                keep = done <= layout
            if not keep:  # another run's, or cut into other chunks: start over
                cursor.execute(f"DROP TABLE {stage}")
                cursor.execute(f"DROP TABLE IF EXISTS {stage}_done")
                done = set()
        if not _exists(cursor, stage):
            cursor.execute(f"CREATE TABLE {stage} (LIKE {PARENT} INCLUDING DEFAULTS)")
            # checked line by line as the month is loaded, so ATTACH needs no scan of its own
            # for rows outside the month
            cursor.execute(
                f"ALTER TABLE {stage} ADD CONSTRAINT {stage}_bounds CHECK "
                f"(scheme_id = {int(scheme_id)} AND month >= '{first}' AND month < '{after}')"
            )
            cursor.execute(f"DROP TABLE IF EXISTS {stage}_done")
            cursor.execute(f"CREATE TABLE {stage}_done (first_id bigint PRIMARY KEY, end_id bigint NOT NULL)")
    return done


def _load_chunk(stage: str, sql: str, chunk: tuple[int, int, list]) -> None:
    first_id, end_id, params = chunk
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.format(table=stage), params)
        cursor.execute(f"INSERT INTO {stage}_done (first_id, end_id) VALUES (%s, %s)", [first_id, end_id])


def _run_parallel(
    jobs: list[Callable[[], None]], finished: Callable[[int], None] = lambda count: None
) -> None:
    """Run the jobs (each one database statement or transaction) over up to
    `settings.PAYROLL_LOAD_CONNECTIONS` threads, each with its own connection; `finished` is told
    of each finished job, in the caller's thread. At most one job per thread is handed out at a
    time and the next only after `finished` returned, so progress stays in step with the work.
    The first failure stops the rest and is raised here. Inside a transaction the jobs run one
    after the other on this connection: other connections cannot see what it wrote."""
    workers = _parallel_workers(len(jobs))
    if workers <= 1:
        for count, job in enumerate(jobs, start=1):
            job()
            finished(count)
        return
    tasks: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            while (job := tasks.get()) is not None:
                job()
                results.put(None)
        except BaseException as exc:  # handed to the caller's thread, which raises it
            results.put(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    pending = iter(jobs)
    try:
        for job in itertools.islice(pending, workers):
            tasks.put(job)
        for count in range(1, len(jobs) + 1):
            failure = results.get()
            if failure is not None:
                raise failure
            finished(count)
            job = next(pending, None)
            if job is not None:
                tasks.put(job)
    finally:
        for _ in threads:
            tasks.put(None)
        for thread in threads:
            thread.join()


def _parallel_workers(jobs: int) -> int:
    """Threads `_run_parallel` uses for this many jobs (1: on this connection)."""
    if connection.in_atomic_block:
        return 1
    return max(1, min(settings.PAYROLL_LOAD_CONNECTIONS, jobs))


def _build_indexes(scheme_id: int, month: Month) -> None:
    """Build the partition's indexes on the loaded bare table, several at once (CREATE INDEX
    lets other index builds on the same table run beside it), so that ATTACH finds them made
    and only adopts them. The definitions are the scheme partition's own, so they match."""
    table, stage = month_table(scheme_id, month), staging_table(scheme_id, month)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid), c.contype FROM pg_index i "
            "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass ORDER BY i.indisprimary DESC, i.indpred IS NOT NULL, i.indisunique DESC, i.indexrelid",
            [scheme_table(scheme_id)],
        )
        definitions = cursor.fetchall()
    statements, primary = [], None
    for number, (definition, kind) in enumerate(definitions, start=1):
        name = f"{table}_pkey" if kind == "p" else f"{table}_i{number}"
        head, _, rest = definition.partition(" ON ONLY ")
        columns = rest.split(" USING ", 1)[1]
        unique = "UNIQUE " if head.startswith("CREATE UNIQUE") else ""
        statements.append(f"CREATE {unique}INDEX IF NOT EXISTS {name} ON {stage} USING {columns}")
        if kind == "p":
            primary = name
        elif kind is not None:  # a unique constraint (none today) would need ALTER TABLE: let
            return  # ATTACH build every index then, as it does for a table without them

    side_by_side = _parallel_workers(len(statements)) > 1

    def build(statement: str) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if side_by_side:  # the builds share the cores already: no worker processes of their own
                cursor.execute("SET LOCAL max_parallel_maintenance_workers = 0")
            cursor.execute(statement)

    _run_parallel([functools.partial(build, statement) for statement in statements])
    if primary:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [primary])
            if cursor.fetchone() is None:
                cursor.execute(
                    f"ALTER TABLE {stage} ADD CONSTRAINT {primary} PRIMARY KEY USING INDEX {primary}"
                )


def _attach(scheme_id: int, month: Month) -> None:
    table, stage = month_table(scheme_id, month), staging_table(scheme_id, month)
    first, after = month.first_day.isoformat(), (month + 1).first_day.isoformat()
    with transaction.atomic(), connection.cursor() as cursor:
        # ATTACH checks each foreign key with one anti-join of the month's lines against the
        # referenced table. PostgreSQL 15 can only hash the referenced side of an anti-join,
        # i.e. every entitlement of every scheme, whatever the month's size; probing the
        # entitlement's (id, scheme) index for each line costs in proportion to the lines.
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(f"DROP TABLE {stage}_done")
        cursor.execute(f"ALTER TABLE {stage} RENAME TO {table}")
        cursor.execute(
            f"ALTER TABLE {scheme_table(scheme_id)} ATTACH PARTITION {table} "
            f"FOR VALUES FROM ('{first}') TO ('{after}')"
        )
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {stage}_bounds")
