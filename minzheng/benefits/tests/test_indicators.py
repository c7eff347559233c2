"""Payroll indicators on small data built through the services and real runs, counted by hand.

The cast (conftest.py): 张三明 (bank account) and 王五 (no account: his lines are held) live in
市桥's test community, 张三明's household SQ-0001 has three members; 赵六 (bank account)
lives in 沙头's test community. The `schemes` fixture pays 护理补贴 200 元 a month, 低保
max(0, 900 × members − income) + supplements, and 医疗救助 (自付 − 500) × 70 %.
"""

import csv
from datetime import date
from decimal import Decimal

import pytest

from minzheng.benefits import selectors
from minzheng.benefits.bank_files import export_bank_file
from minzheng.benefits.bank_returns import reconcile_payments
from minzheng.benefits.indicators import register_scheme_indicator, register_scheme_indicators
from minzheng.benefits.models import PaymentLine
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import grant_entitlement, reimburse_claim
from minzheng.core.months import Month
from minzheng.registry.services import record_death
from minzheng.stats.registry import IndicatorRegistry, Period, compute, get_indicator

TODAY = date(2030, 1, 1)


def run_month(cast, scheme, month, *, approve=True):
    run = get_or_create_run(scheme, month, actor=cast.users.finance)
    build_run(run, actor=cast.users.finance)
    if approve:
        approve_run(run, actor=cast.users.district)
    run.refresh_from_db()
    return run


def reconcile(cast, run, tmp_path, *, failed=()):
    """Export the run's bank file, and bring back a return file: `failed` persons' lines failed."""
    export_bank_file(run, tmp_path / f"run{run.pk}.csv", actor=cast.users.finance)
    lines = list(run.lines.filter(status="pending", amount__gt=0).order_by("pk"))
    path = tmp_path / f"return{run.pk}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["笔数", str(len(lines))])
        writer.writerow(["合计金额", f"{sum(x.amount for x in lines):.2f}"])
        writer.writerow([])
        writer.writerow(["明细编号", "账号", "金额", "结果", "失败原因"])
        for x in lines:
            bad = x.person_id in {p.pk for p in failed}
            writer.writerow(
                [x.pk, "", f"{x.amount:.2f}", "失败" if bad else "成功", "账户已销户" if bad else ""]
            )
    reconcile_payments(run, path, actor=cast.users.finance)
    run.refresh_from_db()
    return run


@pytest.fixture
def paid_q1(cast, schemes, tmp_path):
    """2018 Q1:
    - 护理补贴 for 张三明, 赵六 and 王五. January reconciled: 张三明 paid 200, 赵六 failed, 王五
      held. February approved, not yet exported: 张三明 and 赵六 pending 200 each, 王五 held.
      March built but not approved (a draft never counts).
    - 低保 for SQ-0001 in January: 900 × 3 − 1200 + 10 % × 900 for the child = 1590, approved.
    - 医疗救助 claim of 赵六 in February: (871.43 − 500) × 0.7 = 260.001 → 260.00, approved.
    """
    wang = cast.hh_sq2.head
    for person in (cast.zhang, cast.zhao, wang):
        grant_entitlement(
            actor=cast.users.district, scheme=schemes.nursing, person=person, start_month=Month(2018, 1)
        )
    grant_entitlement(
        actor=cast.users.district,
        scheme=schemes.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        end_month=Month(2018, 1),
        assessed_income=Decimal("1200"),
    )
    claim = reimburse_claim(
        actor=cast.users.district,
        scheme=schemes.medical,
        person=cast.zhao,
        month=Month(2018, 2),
        out_of_pocket=Decimal("871.43"),
    )
    assert claim.fixed_amount == Decimal("260.00")
    reconcile(cast, run_month(cast, schemes.nursing, Month(2018, 1)), tmp_path, failed=[cast.zhao])
    run_month(cast, schemes.nursing, Month(2018, 2))
    run_month(cast, schemes.nursing, Month(2018, 3), approve=False)
    assert run_month(cast, schemes.dibao, Month(2018, 1)).total_amount == Decimal("1590.00")
    assert run_month(cast, schemes.medical, Month(2018, 2)).total_amount == Decimal("260.00")
    statuses = sorted(PaymentLine.objects.filter(run__month=date(2018, 1, 1)).values_list("amount", "status"))
    assert statuses == [
        (Decimal("200.00"), "failed"),
        (Decimal("200.00"), "held"),
        (Decimal("200.00"), "paid"),
        (Decimal("1590.00"), "pending"),
    ]
    return schemes


def figures(period_text, region):
    period = Period.parse(period_text, today=TODAY)
    return tuple(
        compute(f"benefits.{figure}", period, region).value
        for figure in ("paid", "recipients", "person_times")
    )


def test_q1_by_region(cast, paid_q1):
    # paid: 200 (Jan 张三明) + 400 (Feb 张三明, 赵六) + 1590 + 260 = 2450 元 = 0.245 万元 → 0.25 (half-up)
    # recipients: 张三明, 赵六, 王五; person-times: 3 + 3 护理 + 1 低保 + 1 医疗
    assert figures("2018Q1", cast.district) == (Decimal("0.25"), 3, 8)
    # 市桥: 200 + 200 + 1590 = 1990 元; 张三明 and 王五; 2 + 2 + 1
    assert figures("2018Q1", cast.shiqiao) == (Decimal("0.20"), 2, 5)
    assert figures("2018Q1", cast.village_sq) == (Decimal("0.20"), 2, 5)
    # 沙头: 200 (Feb) + 260 = 460 元; 赵六; 1 + 1 + 1
    assert figures("2018Q1", cast.shatou) == (Decimal("0.05"), 1, 3)


def test_by_month_and_drafts_never_count(cast, paid_q1):
    assert figures("2018-01", cast.district) == (Decimal("0.18"), 3, 4)  # 200 + 1590 = 1790 元
    assert figures("2018-02", cast.district) == (Decimal("0.07"), 3, 4)  # 400 + 260 = 660 元
    assert figures("2018-03", cast.district) == (None, None, None)  # only a draft: unknown
    assert figures("2017", cast.district) == (None, None, None)
    march = get_or_create_run(paid_q1.nursing, Month(2018, 3), actor=cast.users.finance)
    approve_run(march, actor=cast.users.district)
    assert figures("2018-03", cast.district) == (Decimal("0.04"), 3, 3)  # 王五 held: not paid, counted
    assert figures("2018-03", cast.shatou) == (Decimal("0.02"), 1, 1)


def test_selectors_in_yuan_with_one_query_each(cast, paid_q1, django_assert_num_queries):
    q1 = Period.for_quarter(2018, 1)
    with django_assert_num_queries(1):
        assert selectors.paid_amount(["nursing", "dibao"], q1, cast.district) == Decimal("2190.00")
    with django_assert_num_queries(1):
        assert selectors.recipients("nursing", q1, cast.shiqiao) == 2
    with django_assert_num_queries(1):
        assert selectors.person_times(["nursing"], q1, None) == 6
    assert selectors.paid_amount(["medical"], Month(2018, 2), cast.shatou) == Decimal("260.00")
    assert selectors.paid_amount(["medical"], Month(2018, 2), cast.shiqiao) == Decimal("0.00")
    assert selectors.paid_amount(["unknown"], q1) == Decimal("0.00")
    assert not selectors.has_counted_runs(["unknown"], q1)


def test_program_apps_register_their_own(cast, paid_q1):
    registry = IndicatorRegistry()
    ids = register_scheme_indicators("t.care", ["nursing"], name="护理补贴", registry=registry)
    assert ids == ["t.care.paid", "t.care.recipients", "t.care.person_times"]
    register_scheme_indicator(
        "t.aid.persons_last",
        ["nursing", "dibao"],
        "recipients",
        name="救助对象（期末月）",
        last_month=True,
        registry=registry,
    )
    q1 = Period.for_quarter(2018, 1)
    values = {v.indicator.id: v.value for v in registry.compute_all(q1, cast.district)}
    assert values == {
        "t.care.paid": Decimal("0.06"),  # 600 元
        "t.care.recipients": 3,
        "t.care.person_times": 6,
        "t.aid.persons_last": None,  # March is still a draft
    }
    units = {i.id: (str(i.name), i.unit, i.kind) for i in registry.all()}
    assert units["t.care.paid"] == ("护理补贴发放金额", "万元", "flow")
    assert units["t.care.recipients"] == ("护理补贴享受人数", "人", "flow")
    assert units["t.care.person_times"] == ("护理补贴享受人次", "人次", "flow")
    assert "nursing、dibao" in str(registry.get("t.aid.persons_last").definition)
    assert registry.compute("t.aid.persons_last", Period.for_month(2018, 2), cast.district).value == 3
    with pytest.raises(ValueError):
        register_scheme_indicator("t.bad", ["x"], "households", name="x", registry=registry)


def test_each_value_keeps_the_records_it_counted(cast, paid_q1):
    q1 = Period.for_quarter(2018, 1)
    people = compute("benefits.recipients", q1, cast.shatou).records
    assert [p.name for p in people] == ["赵六"]
    lines = compute("benefits.paid", q1, cast.shatou).records
    assert sorted(x.amount for x in lines) == [Decimal("200.00"), Decimal("260.00")]
    assert get_indicator("benefits.paid").unit == "万元"


def test_recoveries_reduce_the_money_of_the_month_that_recovers(
    cast, schemes, django_capture_on_commit_callbacks
):
    grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhao, start_month=Month(2018, 1)
    )
    for month in (1, 2, 3):
        run_month(cast, schemes.nursing, Month(2018, month))
    with django_capture_on_commit_callbacks(execute=True):
        record_death(cast.zhao, actor=cast.users.district, death_date=date(2018, 2, 15))
    april = run_month(cast, schemes.nursing, Month(2018, 4))
    assert [(x.month, x.kind, x.amount) for x in april.lines.all()] == [
        (date(2018, 3, 1), "recovery", Decimal("-200.00"))
    ]
    # March stays as reported (paid then); April's run recovers it: −200 元, nobody paid
    assert figures("2018-03", cast.district) == (Decimal("0.02"), 1, 1)
    assert figures("2018-04", cast.district) == (Decimal("-0.02"), 0, 0)
    assert figures("2018", cast.district) == (Decimal("0.04"), 1, 3)
    assert figures("2018", cast.shiqiao) == (Decimal("0.00"), 0, 0)
