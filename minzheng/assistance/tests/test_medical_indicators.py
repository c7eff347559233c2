"""医疗救助 and 临时救助 indicators on hand-built data, counted by hand.

District standard (the `programs` fixture): 70 % of the out-of-pocket cost, no deductible.
张三明 (市桥, bank account), 王五 (市桥, no account: his line is held), 赵六 (沙头, account).
"""

from datetime import date
from decimal import Decimal

import pytest

from minzheng.assistance.services.medical import approve_claim, grant_temporary_aid, refuse_claim
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import set_bank_account, set_standard
from minzheng.core.months import Month
from minzheng.registry.models import Person
from minzheng.stats.registry import Period, compute

TODAY = date(2030, 1, 1)


def figure(indicator, period, region):
    return compute(indicator, Period.parse(period, today=TODAY), region).value


def pay(cast, scheme, month):
    run = get_or_create_run(scheme, month, actor=cast.users.finance)
    build_run(run, actor=cast.users.finance)
    approve_run(run, actor=cast.users.district)


@pytest.fixture
def paid(cast, programs):
    district = cast.users.district
    for person in (cast.zhang, cast.zhao):
        set_bank_account(
            actor=district,
            person=person,
            bank_name="广州农商银行",
            account_name=person.name,
            account_number=f"62220000{person.pk:08d}",
        )
    wang = Person.objects.get(name="王五")

    def claim(person, day, total, approve=True):
        service = approve_claim if approve else refuse_claim
        extra = {} if approve else {"reason": "不属于救助对象"}
        return service(
            actor=district,
            person=person,
            visit_date=day,
            hospital="番禺区中心医院",
            visit_type="inpatient",
            total_cost=Decimal(total),
            insurance_paid=Decimal("0"),
            **extra,
        )

    claim(cast.zhang, date(2018, 3, 3), "20000")  # 14000
    claim(cast.zhao, date(2018, 3, 9), "10000")  # 7000
    claim(wang, date(2018, 3, 20), "5000")  # 3500, held: no account
    claim(cast.zhang, date(2018, 3, 21), "999", approve=False)  # refused: not a visit counted
    claim(cast.zhang, date(2018, 5, 5), "3000")  # 2100
    claim(cast.zhang, date(2019, 1, 5), "1000")  # another year
    set_standard(
        actor=district,
        scheme=programs.temporary,
        region=cast.district,
        valid_from=Month(2018, 6),
        document="番民〔2018〕30号（测试）",
        params={"max_amount": "5000"},
    )
    for person, day, amount in (
        (cast.zhao, date(2018, 7, 9), "3000"),
        (cast.zhang, date(2018, 8, 1), "2000"),
    ):
        grant_temporary_aid(
            actor=district,
            person=person,
            emergency_type="fire",
            amount=Decimal(amount),
            reason="住房失火",
            occurred_on=day,
            granted_on=day,
        )
    for month in (3, 4, 5):
        pay(cast, programs.medical, Month(2018, month))
    for month in (7, 8):
        pay(cast, programs.temporary, Month(2018, month))
    return programs


def test_medical_visits_count_approved_claims_by_visit_date(cast, paid):
    assert figure("assistance.medical.visits", "2018", cast.district) == 4
    assert figure("assistance.medical.visits", "2018", cast.shiqiao) == 3
    assert figure("assistance.medical.visits", "2018", cast.village_sq) == 3
    assert figure("assistance.medical.visits", "2018", cast.shatou) == 1
    assert figure("assistance.medical.visits", "2018-03", cast.district) == 3
    assert figure("assistance.medical.visits", "2018-04", cast.district) is None  # no claims: unknown
    assert figure("assistance.medical.visits", "2019", cast.district) == 1
    records = compute("assistance.medical.visits", Period.for_year(2018), cast.shatou).records
    assert [c.person.name for c in records] == ["赵六"]


def test_medical_paid_counts_paid_lines_only(cast, paid):
    # 14000 + 7000 + 2100 = 23100 元 (王五's 3500 is held) = 2.31 万元
    assert figure("assistance.medical.paid", "2018", cast.district) == Decimal("2.31")
    assert figure("assistance.medical.paid", "2018", cast.shiqiao) == Decimal("1.61")
    assert figure("assistance.medical.paid", "2018", cast.shatou) == Decimal("0.70")
    assert figure("assistance.medical.paid", "2018-03", cast.district) == Decimal("2.10")
    assert figure("assistance.medical.paid", "2018-06", cast.district) is None  # no run


def test_temporary_aid_cases_and_paid(cast, paid):
    assert figure("assistance.temporary.cases", "2018", cast.district) == 2
    assert figure("assistance.temporary.cases", "2018", cast.shiqiao) == 1
    assert figure("assistance.temporary.cases", "2018-03", cast.district) is None
    assert figure("assistance.temporary.paid", "2018", cast.district) == Decimal("0.50")
    assert figure("assistance.temporary.paid", "2018", cast.shatou) == Decimal("0.30")
