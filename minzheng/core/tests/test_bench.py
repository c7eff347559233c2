"""The benchmark commands run end to end on a tiny size, so they cannot rot."""

import io
import json
from datetime import date
from decimal import Decimal

from django.core.management import call_command

from minzheng.core.models import AuditLog
from minzheng.registry.idnumbers import normalise_id_number
from minzheng.registry.models import Person, Region
from minzheng.registry.validation import name_initials


def test_generate_scale_data_tops_up_to_the_total(cast):
    out = io.StringIO()
    call_command("generate_scale_data", "--persons", "120", "--villages", "40", stdout=out)
    assert Person.objects.count() == 120
    assert Region.objects.filter(level="village", valid_to__isnull=True).count() >= 40
    sample = Person.objects.exclude(pk__in=[cast.zhang.pk, cast.zhao.pk]).order_by("-id")[:20]
    for person in sample:
        assert normalise_id_number(person.id_number) == person.id_number
        assert person.id_tail == person.id_number[-6:]
        assert person.name_initials == name_initials(person.name)
        assert person.region.level == "village"
    call_command("generate_scale_data", "--persons", "100", stdout=io.StringIO())
    assert Person.objects.count() == 120  # already there: nothing added


def test_bench_registry_search_prints_one_json_line(cast):
    out = io.StringIO()
    call_command(
        "bench", "registry_search", "--size", "300", "--import-size", "200", "--repeats", "5", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["scenario"] == "registry_search"
    assert result["database"] in {"sqlite", "postgresql"}
    assert result["size"] == 300 and result["persons"] == 300
    for scope in ("district", "town"):
        for kind in ("id_full", "id_tail", "name", "surname"):
            figures = result["lookups"][scope][kind]
            assert 0 < figures["p50_ms"] <= figures["p95_ms"]
            assert figures["avg_rows"] >= 1
    assert result["misses"] == 0
    assert result["import_size"] == 200 and result["rows_per_second"] > 0
    assert result["peak_rss_mb"] > 0
    # The timed import's rows are removed again.
    assert Person.objects.count() == 300
    assert not AuditLog.objects.filter(action="import").exists()


def test_bench_payroll_prints_one_json_line(cast):
    from minzheng.benefits.models import AmountPeriod, BankAccount, Entitlement, PaymentLine, Standard

    out = io.StringIO()
    call_command("bench", "payroll", "--size", "400", "--baseline-sample", "60", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["scenario"] == "payroll"
    assert result["database"] in {"sqlite", "postgresql"}
    assert result["size"] == 400 and result["schemes"] == 4 and result["month"] == "2018-12"
    assert Entitlement.objects.filter(scheme__code__startswith="bench_").count() == 400
    assert Standard.objects.filter(scheme__code__startswith="bench_", region__level="village").count() == 20
    assert result["village_standards"] == 20
    # every entitlement is paid once for December, at the standard of its 村居 or the district's
    # July rise, and the lines are exactly those of the bare INSERT … SELECT
    assert result["lines"] == 400 and result["duplicate_payments"] == 0 and result["matches_floor"] is True
    december = PaymentLine.objects.filter(month=date(2018, 12, 1), kind="regular")
    assert december.count() == 400
    owed = AmountPeriod.objects.filter(entitlement__scheme__code__startswith="bench_", to_month__isnull=True)
    assert sum(december.values_list("amount", flat=True)) == sum(owed.values_list("amount", flat=True))
    assert Decimal(result["total_yuan"]) == sum(owed.values_list("amount", flat=True))
    held = december.filter(status="held").count()
    assert held == december.exclude(person__in=BankAccount.objects.values("person")).count()
    assert result["seconds"] > 0 and result["floor_seconds"] >= 0
    assert result["baseline_sample"] == 60 and result["baseline_seconds"] > 0
    assert not PaymentLine.objects.filter(month=date(2018, 11, 1)).exists()  # the baseline rolled back
    assert result["rebuild_identical"] is True and result["indicators_match"] is True
    assert result["peak_rss_mb"] > 0
    # a second run reuses the data and rebuilds the month: the same lines again
    out = io.StringIO()
    call_command("bench", "payroll", "--size", "400", "--baseline-sample", "0", stdout=out)
    again = json.loads(out.getvalue())
    assert again["generated"] == 0 and again["lines"] == 400 and again["baseline_seconds"] is None
    assert again["total_yuan"] == result["total_yuan"] and again["duplicate_payments"] == 0
