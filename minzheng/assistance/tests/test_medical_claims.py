"""医疗救助 claims one at a time: ratio, deductible, the annual cap (and its message), checks.

Standards (test data): the `programs` fixture gives the district 70 %, no deductible, cap
350,000; here 市桥街道 gets its own: 80 % above a deductible of 100 元 per claim, cap 2,000 元 a
year. 张三明 and 李四芳 live in 市桥, 赵六 in 沙头 (district standard).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minzheng.accounts.models import User
from minzheng.accounts.roles import Role
from minzheng.assistance.models import ClaimStatus, MedicalClaim
from minzheng.assistance.services.medical import approve_claim, refuse_claim
from minzheng.benefits.models import AmountPeriod, PaymentLine
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import set_bank_account, set_standard
from minzheng.core.models import AuditLog
from minzheng.core.months import Month
from minzheng.registry.models import Person

DOC = "桥民〔2018〕7号（测试）"


@pytest.fixture
def shiqiao_standard(cast, programs):
    set_standard(
        actor=cast.users.district,
        scheme=programs.medical,
        region=cast.shiqiao,
        valid_from=Month(2018, 1),
        document=DOC,
        params={"ratio": "0.8", "deductible": "100", "annual_cap": "2000"},
    )
    return programs


def claim(cast, person, day, total, insurance, other="0", **extra):
    return approve_claim(
        actor=cast.users.district,
        person=person,
        visit_date=day,
        hospital=extra.pop("hospital", "番禺区中心医院"),
        visit_type=extra.pop("visit_type", "inpatient"),
        total_cost=Decimal(total),
        insurance_paid=Decimal(insurance),
        other_paid=Decimal(other),
        **extra,
    )


def test_ratio_and_deductible(cast, shiqiao_standard):
    # 市桥: (1000 − 400 − 100 − 100) × 0.8 = 320; 沙头 (district): 333.33 × 0.7 = 233.331 → 233.33
    first = claim(cast, cast.zhang, date(2018, 3, 5), "1000", "400", "100", diagnosis="冠心病")
    assert (first.out_of_pocket, first.reimbursed, first.capped, first.cap_note) == (
        Decimal("500.00"),
        Decimal("320.00"),
        False,
        "",
    )
    assert first.status == ClaimStatus.APPROVED and first.region == cast.village_sq
    ent = first.entitlement
    assert (ent.scheme.code, ent.start_month, ent.end_month, ent.fixed_amount) == (
        "medical",
        date(2018, 3, 1),
        date(2018, 3, 1),
        Decimal("320.00"),
    )
    assert ent.trace["formula"] == "(500.00 − 起付线 100) × 0.8 = 320.00"
    assert ent.trace["standard"]["document"] == DOC
    assert AmountPeriod.objects.get(entitlement=ent).amount == Decimal("320.00")
    second = claim(cast, cast.zhao, date(2018, 3, 6), "500", "166.67", visit_type="outpatient")
    assert (second.out_of_pocket, second.reimbursed) == (Decimal("333.33"), Decimal("233.33"))
    small = claim(cast, cast.zhang, date(2018, 3, 7), "150", "60")  # 90 below the deductible
    assert small.reimbursed == Decimal("0.00") and not small.capped
    audit = AuditLog.objects.get(action="approve_medical_claim", object_id=str(first.pk))
    assert "冠心病" not in str(audit.changes)  # the diagnosis is health data: not in the audit


def test_claim_above_the_annual_cap_is_paid_to_the_cap_and_says_so(cast, shiqiao_standard):
    # (2000 − 100) × 0.8 = 1520; then (1100 − 100) × 0.8 = 800 but only 480 is left of 2000
    claim(cast, cast.zhang, date(2018, 2, 1), "2000", "0")
    capped = claim(cast, cast.zhang, date(2018, 4, 1), "1100", "0")
    assert capped.reimbursed == Decimal("480.00") and capped.capped
    assert capped.cap_note == (
        "已达年度封顶线：年度封顶 2000.00 元，本年已救助 1520.00 元，本次按比例应为 800.00 元，按封顶余额救助 480.00 元"
    )
    after = claim(cast, cast.zhang, date(2018, 5, 1), "600", "0")
    assert after.reimbursed == Decimal("0.00") and after.capped and "封顶" in after.cap_note
    spouse = claim(cast, Person.objects.get(name="李四芳"), date(2018, 5, 1), "600", "0")
    assert spouse.reimbursed == Decimal("400.00")  # the cap is per person
    next_year = claim(cast, cast.zhang, date(2019, 1, 3), "600", "0")
    assert next_year.reimbursed == Decimal("400.00") and not next_year.capped


def test_bad_claims_are_refused_with_the_field(cast, programs):
    with pytest.raises(ValidationError) as error:
        claim(cast, cast.zhao, date(2018, 3, 1), "100", "80", "30")
    assert "超过医疗总费用" in error.value.message_dict["insurance_paid"][0]
    with pytest.raises(ValidationError) as error:
        claim(cast, cast.zhao, date(2099, 1, 1), "-5", "0", visit_type="dental", hospital="")
    fields = error.value.message_dict
    assert set(fields) == {"visit_date", "total_cost", "visit_type", "hospital"}
    assert fields["total_cost"] == ["医疗总费用不能为负数"]
    with pytest.raises(ValidationError) as error:
        claim(cast, cast.zhao, date(2017, 6, 1), "100", "0")
    assert "2017-06没有适用的医疗救助标准" in error.value.message_dict["visit_date"][0]
    claim(cast, cast.zhao, date(2018, 3, 1), "100", "0")
    with pytest.raises(ValidationError) as error:
        claim(cast, cast.zhao, date(2018, 3, 1), "100", "0")
    assert "不能重复报销" in error.value.message_dict["visit_date"][0]
    assert MedicalClaim.objects.count() == 1


def test_scope_and_role(cast, programs):
    with pytest.raises(PermissionDenied):
        approve_claim(
            actor=cast.users.town,
            person=cast.zhang,
            visit_date=date(2018, 3, 1),
            hospital="市桥医院",
            visit_type="outpatient",
            total_cost=Decimal("100"),
            insurance_paid=Decimal("0"),
        )
    officer = User.objects.create(username="medical_shatou", role=Role.DISTRICT, scope=cast.shatou)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        approve_claim(
            actor=officer,
            person=cast.zhang,
            visit_date=date(2018, 3, 1),
            hospital="市桥医院",
            visit_type="outpatient",
            total_cost=Decimal("100"),
            insurance_paid=Decimal("0"),
        )
    assert not MedicalClaim.objects.exists()


def test_refused_claim_keeps_the_reason_and_pays_nothing(cast, programs):
    refused = refuse_claim(
        actor=cast.users.district,
        person=cast.zhao,
        visit_date=date(2018, 3, 1),
        hospital="沙头医院",
        visit_type="outpatient",
        total_cost=Decimal("100"),
        insurance_paid=Decimal("0"),
        reason="非医疗救助对象",
    )
    assert (refused.status, refused.reimbursed, refused.entitlement) == (ClaimStatus.REFUSED, 0, None)
    with pytest.raises(ValidationError):
        refuse_claim(
            actor=cast.users.district,
            person=cast.zhao,
            visit_date=date(2018, 3, 1),
            hospital="沙头医院",
            visit_type="outpatient",
            total_cost=Decimal("100"),
            insurance_paid=Decimal("0"),
            reason=" ",
        )


def test_claim_is_paid_in_its_month_or_as_arrears_when_that_run_is_built(cast, programs):
    set_bank_account(
        actor=cast.users.district,
        person=cast.zhao,
        bank_name="广州农商银行",
        account_name="赵六",
        account_number="6222000011112222",
    )
    march = claim(cast, cast.zhao, date(2018, 3, 2), "1000", "0")
    run = get_or_create_run(programs.medical, Month(2018, 3), actor=cast.users.finance)
    build_run(run, actor=cast.users.finance)
    approve_run(run, actor=cast.users.district)
    line = PaymentLine.objects.get(run=run)
    assert (line.entitlement_id, line.amount, line.kind) == (
        march.entitlement_id,
        Decimal("700.00"),
        "regular",
    )
    late = claim(cast, cast.zhao, date(2018, 3, 20), "200", "0")  # after March was paid
    april = get_or_create_run(programs.medical, Month(2018, 4), actor=cast.users.finance)
    build_run(april, actor=cast.users.finance)
    lines = list(
        PaymentLine.objects.filter(run=april).values_list("entitlement_id", "month", "kind", "amount")
    )
    assert lines == [(late.entitlement_id, date(2018, 3, 1), "arrears", Decimal("140.00"))]
