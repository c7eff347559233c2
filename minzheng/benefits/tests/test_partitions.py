"""How a month's lines are stored: the keys that hold on both databases, and on PostgreSQL the
month loaded over several connections into a bare table that becomes the month's partition."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from minzheng.benefits import partitions, payroll
from minzheng.benefits.models import PaymentLine, PayrollRun
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import grant_entitlement
from minzheng.core.months import Month

from .test_concurrency import duplicate_regular_lines, grant_all, recipients

COUNT = 40


def line_for(cast, entitlement_id: int, scheme, run: PayrollRun) -> PaymentLine:
    return PaymentLine(
        run=run,
        scheme=scheme,
        entitlement_id=entitlement_id,
        person=cast.zhang,
        region=cast.village_sq,
        month=run.month,
        amount=Decimal("200"),
    )


def test_a_line_needs_an_existing_entitlement_of_its_own_scheme(cast, schemes):
    """The key on the entitlement is the composite (entitlement, scheme) one on PostgreSQL and the
    plain one on SQLite (migration 0006); either way the database refuses a line without it."""
    ent = grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhang, start_month=Month(2018, 1)
    )
    run = PayrollRun.objects.create(scheme=schemes.nursing, month=date(2018, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        line_for(cast, ent.pk + 1000, schemes.nursing, run).save()
        connection.check_constraints(table_names=[PaymentLine._meta.db_table])
    if connection.vendor == "postgresql":  # the copied scheme must be the entitlement's
        other = PayrollRun.objects.create(scheme=schemes.longevity, month=date(2018, 1, 1))
        with pytest.raises(IntegrityError), transaction.atomic():
            line_for(cast, ent.pk, schemes.longevity, other).save()
    line_for(cast, ent.pk, schemes.nursing, run).save()
    assert PaymentLine.objects.filter(run=run).count() == 1


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions and parallel loading are PostgreSQL's"
)


def lines_of(run: PayrollRun) -> list[tuple]:
    return sorted(
        PaymentLine.objects.filter(run=run).values_list("entitlement_id", "kind", "amount", "status")
    )


def partition_indexes(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass", [table]
        )
        return [row[0] for row in cursor.fetchall()]


class Interrupted(Exception):
    pass


@postgres_only
def test_a_month_loaded_over_two_connections_is_the_month_loaded_over_one(
    browser_cast, schemes, cast, settings, monkeypatch
):
    grant_all(cast, schemes.nursing, recipients(cast, COUNT, without_account=4))
    monkeypatch.setattr(payroll, "CHUNK", 5)
    settings.PAYROLL_LOAD_CONNECTIONS = 1
    january = build_run(
        get_or_create_run(schemes.nursing, Month(2018, 1), actor=cast.users.finance), actor=cast.users.finance
    )
    one_connection = lines_of(january)
    assert len(one_connection) == COUNT and sum(1 for line in one_connection if line[3] == "held") == 4

    settings.PAYROLL_LOAD_CONNECTIONS = 2
    february = build_run(
        get_or_create_run(schemes.nursing, Month(2018, 2), actor=cast.users.finance), actor=cast.users.finance
    )
    assert lines_of(february) == one_connection
    # the indexes built beside each other were adopted by the partition, none built twice
    table = partitions.month_table(schemes.nursing.pk, Month(2018, 2))
    scheme_indexes = partition_indexes(partitions.scheme_table(schemes.nursing.pk))
    assert len(partition_indexes(table)) == len(scheme_indexes)
    with connection.cursor() as cursor:
        cursor.execute("SELECT contype FROM pg_constraint WHERE conrelid = %s::regclass", [table])
        assert "p" in {row[0] for row in cursor.fetchall()}

    # interrupted after three chunks: the chunks under way finish, the month is not attached
    march = get_or_create_run(schemes.nursing, Month(2018, 3), actor=cast.users.finance)
    reports = []

    def stop_after_three_chunks(percent, message=""):
        reports.append(percent)
        if len(reports) == 4:  # the first report announces the build
            raise Interrupted

    with pytest.raises(Interrupted):
        build_run(march, actor=cast.users.finance, progress=stop_after_three_chunks)
    staged = partitions.staged_lines(march.pk, schemes.nursing.pk, Month(2018, 3))
    assert 3 * 5 <= staged < COUNT and not PaymentLine.objects.filter(run=march).exists()
    build_run(march, actor=cast.users.finance)
    assert lines_of(march) == one_connection
    assert duplicate_regular_lines(date(2018, 3, 1)) == 0
    approve_run(march, actor=cast.users.district)
