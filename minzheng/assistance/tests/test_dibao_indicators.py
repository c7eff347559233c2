"""低保, 特困 and disability-subsidy indicators on small hand-built data, answers worked out by hand.

The `programs` fixture: 低保 900 from 2018-01 with supplements (elderly 20 %, minor 10 %,
severely disabled 150 fixed), 特困 1.6 × 低保, living subsidy 150, nursing subsidy 200.
The year below: the standard rises to 950 from July, decided after the August run (arrears in
September). Households:
- 张三明's (市桥, 3 members, one a minor), income 1200, from January:
  Jan–Jun 900×3 − 1200 + 90 = 1590; Jul–Dec 950×3 − 1200 + 95 = 1745 → 20010 in the year;
  李四芳 leaves the household on 15 November (still counted in November, not in December);
- 王五's (市桥, 1 member aged 70), income 300, March to October:
  Mar–Jun 900 − 300 + 180 = 780; Jul–Oct 950 − 300 + 190 = 840 → 6480;
- 赵六's (沙头, 1 member), income 0, from June, without a bank account (held: not paid).
特困: 钱七 (沙头) from January: 1440 × 6 + 1520 × 6 = 17760.
Two subsidies: 王五 living all year (1800); 张三明 living and nursing in December (350);
赵六 nursing from November without an account (counted in person-times, not paid).
"""

from datetime import date
from decimal import Decimal

import pytest

from minzheng.benefits import payroll
from minzheng.benefits.services import end_entitlement, grant_entitlement, set_bank_account, set_standard
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Person
from minzheng.registry.services import register_person, remove_member
from minzheng.stats.registry import Period, compute

YEAR = Period.for_year(2018)


def _account(cast, person):
    set_bank_account(
        actor=cast.users.district,
        person=person,
        bank_name="广州农商银行",
        account_name=person.name,
        account_number=f"6222{person.pk:012d}",
    )


def _pay(cast, schemes, month):
    for scheme in schemes:
        run = payroll.get_or_create_run(scheme, month, actor=cast.users.finance)
        payroll.build_run(run, actor=cast.users.finance)
        payroll.approve_run(run, actor=cast.users.district)


@pytest.fixture
def year_2018(cast, programs):
    officer = cast.users.district
    wang = Person.objects.get(name="王五")
    li = Person.objects.get(name="李四芳")
    xiaoming = Person.objects.get(name="张小明")
    qian = register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", date(1940, 2, 2), 71),
        name="钱七",
        region=cast.village_st,
    )
    for person in (cast.zhang, wang, qian):
        _account(cast, person)
    schemes = [programs.dibao, programs.tekun, programs.living_subsidy, programs.nursing_subsidy]
    grants = {
        1: [
            {
                "scheme": programs.dibao,
                "person": cast.zhang,
                "household": cast.hh_sq,
                "assessed_income": Decimal("1200"),
            },
            {"scheme": programs.tekun, "person": qian},
            {"scheme": programs.living_subsidy, "person": wang},
        ],
        3: [
            {
                "scheme": programs.dibao,
                "person": wang,
                "household": cast.hh_sq2,
                "assessed_income": Decimal("300"),
            }
        ],
        6: [{"scheme": programs.dibao, "person": cast.zhao, "household": cast.hh_st}],
        11: [{"scheme": programs.nursing_subsidy, "person": cast.zhao}],
        12: [
            {"scheme": programs.living_subsidy, "person": cast.zhang},
            {"scheme": programs.nursing_subsidy, "person": cast.zhang},
        ],
    }
    granted = {}
    for number in range(1, 13):
        month = Month(2018, number)
        if number == 9:
            set_standard(
                actor=officer,
                scheme=programs.dibao,
                region=cast.district,
                valid_from=Month(2018, 7),
                document="番民〔2018〕96号",
                amount=Decimal("950"),
                params={
                    "supplements": [
                        {"category": "elderly", "percent": "20"},
                        {"category": "minor", "percent": "10"},
                        {"category": "severely_disabled", "fixed": "150"},
                    ]
                },
            )
        if number == 11:
            end_entitlement(
                granted[wang, "dibao"], actor=officer, last_month=Month(2018, 10), reason="迁出本区"
            )
            remove_member(
                cast.hh_sq, actor=cast.users.admin, person=li, until=date(2018, 11, 15), reason="出嫁"
            )
        for values in grants.get(number, []):
            entitlement = grant_entitlement(actor=officer, start_month=month, **values)
            granted[values["person"], values["scheme"].code] = entitlement
        _pay(cast, schemes, month)
    return {"wang": wang, "li": li, "xiaoming": xiaoming, "qian": qian}


def value(indicator, region, period=YEAR):
    return compute(indicator, period, region)


def test_standard_start_and_end_of_year(cast, year_2018):
    assert value("assistance.dibao.standard_start", cast.district).value == Decimal("900")
    assert value("assistance.dibao.standard", cast.district).value == Decimal("950")
    assert value("assistance.dibao.standard", cast.village_sq).value == Decimal("950")
    assert [row.amount for row in value("assistance.dibao.standard", cast.district).records] == [
        Decimal("900"),
        Decimal("950"),
    ]
    assert value("assistance.dibao.standard", cast.district, Period.for_month(2018, 6)).value == Decimal(
        "900"
    )
    assert value("assistance.dibao.standard", cast.district, Period.for_year(2017)).value is None


def test_a_town_standard_wins_over_the_district(cast, programs):
    set_standard(
        actor=cast.users.district,
        scheme=programs.dibao,
        region=cast.shiqiao,
        valid_from=Month(2018, 10),
        document="市桥试点",
        amount=Decimal("1000"),
    )
    assert value("assistance.dibao.standard", cast.village_sq).value == Decimal("1000")
    assert value("assistance.dibao.standard_start", cast.village_sq).value == Decimal("900")
    assert value("assistance.dibao.standard", cast.shatou).value == Decimal("900")


def test_households_and_persons_at_year_end(cast, year_2018):
    households = value("assistance.dibao.households", cast.district)
    assert households.value == 2  # 王五's ended in October
    assert set(households.records.values_list("number", flat=True)) == {"SQ-0001", "ST-0001"}
    persons = value("assistance.dibao.persons", cast.district)
    assert persons.value == 3  # 李四芳 left in November
    assert set(persons.records.values_list("name", flat=True)) == {"张三明", "张小明", "赵六"}
    assert value("assistance.dibao.households", cast.shiqiao).value == 1
    assert value("assistance.dibao.persons", cast.shiqiao).value == 2
    assert value("assistance.dibao.persons", cast.village_st).value == 1
    assert value("assistance.dibao.households", cast.village_st).value == 1


def test_households_and_persons_in_earlier_months(cast, year_2018):
    november = Period.for_month(2018, 11)
    assert value("assistance.dibao.persons", cast.district, november).value == 4  # 李四芳 until 15 Nov
    september = Period.for_month(2018, 9)
    assert value("assistance.dibao.households", cast.district, september).value == 3
    assert value("assistance.dibao.persons", cast.district, september).value == 5
    assert value("assistance.dibao.households", cast.district, Period.for_month(2018, 2)).value == 1
    assert value("assistance.dibao.households", cast.district, Period.for_year(2017)).value == 0


def test_a_suspended_household_is_not_on_the_roll(cast, year_2018, programs):
    from minzheng.benefits.models import Entitlement
    from minzheng.benefits.services import suspend_entitlement

    entitlement = Entitlement.objects.get(scheme=programs.dibao, household=cast.hh_st)
    suspend_entitlement(entitlement, actor=cast.users.district, from_month=Month(2018, 12), reason="复核期间")
    assert value("assistance.dibao.households", cast.district).value == 1
    assert value("assistance.dibao.households", cast.district, Period.for_month(2018, 11)).value == 3 - 1
    assert value("assistance.dibao.persons", cast.district).value == 2


def test_dibao_paid_includes_supplements_and_arrears_but_not_held_lines(cast, year_2018):
    paid = value("assistance.dibao.paid", cast.district)
    assert paid.exact == Decimal("26490.00")  # 20010 + 6480; 赵六's lines are held
    assert paid.value == Decimal("2.65")
    assert value("assistance.dibao.paid", cast.shiqiao).exact == Decimal("26490.00")
    assert value("assistance.dibao.paid", cast.shatou).exact == Decimal("0.00")
    september = value("assistance.dibao.paid", cast.district, Period.for_month(2018, 9))
    assert september.exact == Decimal("1745") + Decimal("840") + 2 * (Decimal("155") + Decimal("60"))
    kinds = set(paid.records.values_list("kind", flat=True))
    assert kinds == {"regular", "arrears"}
    assert value("assistance.dibao.paid", cast.district, Period.for_year(2017)).value is None


def test_tekun_persons_and_paid(cast, year_2018):
    assert value("assistance.tekun.persons", cast.district).value == 1
    assert value("assistance.tekun.persons", cast.shiqiao).value == 0
    assert value("assistance.tekun.paid", cast.district).exact == Decimal("17760.00")
    assert value("assistance.tekun.paid", cast.shatou).exact == Decimal("17760.00")


def test_disability_person_times_in_december_and_paid(cast, year_2018):
    december = value("assistance.disability.persons_dec", cast.district)
    assert december.value == 4  # 王五 living, 张三明 living + nursing, 赵六 nursing (held, still on the roll)
    assert value("assistance.disability.persons_dec", cast.shiqiao).value == 3
    assert value("assistance.disability.persons_dec", cast.village_st).value == 1
    assert december.records.count() == 4
    paid = value("assistance.disability.paid", cast.district)
    assert paid.exact == Decimal("2150.00")  # 12 × 150 + 150 + 200
    assert paid.value == Decimal("0.22")
    assert value("assistance.disability.paid", cast.shatou).exact == Decimal("0.00")
    assert value("assistance.disability.persons_dec", cast.district, Period.for_month(2018, 11)).value == 2
