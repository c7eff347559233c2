"""A build that dies half-way leaves a run that cannot be approved, and building it again gives
exactly the lines of a clean build: no line lost, none twice.

The month built is March 2018 of 护理补贴 (200 元 a month) for 40 recipients, four of them
without a bank account (held), after January and February were paid at 200 and the standard
was raised to 220 from February: March owes 40 regular lines of 220 and 40 arrears lines of
20 for February, as lines of their own.

- On PostgreSQL a separate process builds the run in chunks of five entitlement ids and is
  killed (SIGKILL) once some but not all regular lines exist.
- On both databases the same is done in-process: the build is interrupted by an exception
  between two chunks (SQLite's test database lives in the test process's memory, so a child
  process cannot share it).
"""

import os
import signal
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction

from minzheng.benefits import partitions, payroll
from minzheng.benefits.models import PaymentLine, PayrollRun
from minzheng.benefits.payroll import PayrollBusy, approve_run, build_run, get_or_create_run
from minzheng.benefits.services import set_standard
from minzheng.core.months import Month

from .test_concurrency import duplicate_regular_lines, grant_all, recipients, start_builder

MARCH = Month(2018, 3)
COUNT = 40


def written(run: PayrollRun) -> int:
    """Lines of the run written so far: visible ones, and on PostgreSQL those loaded into the
    month's bare table that is attached only when the build completes (benefits.partitions).

    -1 while the builder holds the month's tables to attach them (we do not wait for its locks).
    """
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '100ms'")
            staged = partitions.staged_lines(run.pk, run.scheme_id, MARCH)
            return staged + PaymentLine.objects.filter(run=run).count()
    except OperationalError:
        return -1


def lines_of(run: PayrollRun) -> list[tuple]:
    return sorted(
        PaymentLine.objects.filter(run=run).values_list("entitlement_id", "month", "kind", "amount", "status")
    )


def month_to_build(cast, schemes) -> PayrollRun:
    grant_all(cast, schemes.nursing, recipients(cast, COUNT, without_account=4))
    for month in (Month(2018, 1), Month(2018, 2)):
        run = get_or_create_run(schemes.nursing, month, actor=cast.users.finance)
        build_run(run, actor=cast.users.finance)
        approve_run(run, actor=cast.users.district)
    set_standard(
        actor=cast.users.district,
        scheme=schemes.nursing,
        region=cast.district,
        valid_from=Month(2018, 2),
        amount=Decimal("220"),
        document="穗民〔2018〕12号",
    )
    return get_or_create_run(schemes.nursing, MARCH, actor=cast.users.finance)


def clean_build(cast, run: PayrollRun) -> list[tuple]:
    build_run(run, actor=cast.users.finance)
    clean = lines_of(run)
    kinds = [(kind, amount) for _, _, kind, amount, _ in clean]
    assert kinds.count(("regular", Decimal("220.00"))) == COUNT
    assert kinds.count(("arrears", Decimal("20.00"))) == COUNT
    assert sum(1 for line in clean if line[4] == "held") == 8  # 4 regular + 4 arrears
    return clean


def assert_cannot_be_approved(cast, run: PayrollRun) -> None:
    run.refresh_from_db()
    assert run.built_at is None and run.status == PayrollRun.Status.DRAFT
    with pytest.raises(ValidationError) as err:
        approve_run(run, actor=cast.users.district)
    assert "尚未编制" in str(err.value)


def rebuild_and_compare(cast, run: PayrollRun, clean: list[tuple]) -> None:
    deadline = time.monotonic() + 30
    while True:  # a killed builder's session (and lock) ends when the server notices the death
        try:
            build_run(run, actor=cast.users.finance)
            break
        except PayrollBusy:
            assert time.monotonic() < deadline, "the killed build's lock was never released"
            time.sleep(0.2)
    assert lines_of(run) == clean
    run.refresh_from_db()
    assert run.line_count == 2 * COUNT and run.total_amount == Decimal("9600.00")  # 40 × (220 + 20)
    assert run.built_at is not None
    assert duplicate_regular_lines(MARCH.first_day) == 0
    assert PaymentLine.objects.filter(month=date(2018, 2, 1), kind="arrears").count() == COUNT
    approve_run(run, actor=cast.users.district)


class Interrupted(Exception):
    pass


def test_a_build_interrupted_half_way_is_completed_by_running_it_again(cast, schemes, monkeypatch):
    run = month_to_build(cast, schemes)
    clean = clean_build(cast, run)
    monkeypatch.setattr(payroll, "CHUNK", 5)
    steps = []

    def die_after_three_chunks(percent, message=""):
        steps.append(percent)
        if len(steps) == 4:  # the first step announces the build; then one per chunk
            raise Interrupted

    with pytest.raises(Interrupted):
        build_run(run, actor=cast.users.finance, progress=die_after_three_chunks)
    partial = written(run)
    assert 0 < partial < COUNT and not PaymentLine.objects.filter(run=run, kind="arrears").exists()
    assert_cannot_be_approved(cast, run)
    rebuild_and_compare(cast, run, clean)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the builder process needs a database server")
def test_a_builder_killed_half_way_is_completed_by_running_it_again(browser_cast, schemes, cast):
    run = month_to_build(cast, schemes)
    clean = clean_build(cast, run)
    builder = start_builder(run, chunk=5, delay=0.3)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert builder.poll() is None, (
                "the builder ended before it was killed:\n" + builder.communicate()[1]
            )
            assert time.monotonic() < deadline, "the builder never wrote a line"
            done = written(run)
            if 0 < done < COUNT:
                break
            time.sleep(0.02)
        os.kill(builder.pid, signal.SIGKILL)
        builder.wait(timeout=30)
    finally:
        if builder.poll() is None:
            builder.kill()
            builder.wait()
    assert builder.returncode == -signal.SIGKILL
    partial = written(run)
    assert 0 < partial < COUNT and not PaymentLine.objects.filter(run=run, kind="arrears").exists()
    assert_cannot_be_approved(cast, run)
    rebuild_and_compare(cast, run, clean)
