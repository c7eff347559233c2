"""Children's indicators on small hand-built data, computed independently."""

from datetime import date
from decimal import Decimal

import pytest

from minzheng.assistance.services.children import (
    close_left_behind,
    grant_education_grant,
    record_care_visit,
    register_child_profile,
    register_left_behind,
)
from minzheng.benefits import payroll
from minzheng.benefits.services import grant_entitlement, set_bank_account, set_standard
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import register_person
from minzheng.stats.registry import Period, compute


def _child(cast, seq, name, born, region=None):
    return register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", born, seq),
        name=name,
        region=region or cast.village_sq,
    )


def test_orphan_standard_changed_mid_year(cast, programs):
    set_standard(
        actor=cast.users.district,
        scheme=programs.orphan,
        region=cast.district,
        valid_from=Month(2018, 7),
        document="番民〔2018〕50号",
        amount=Decimal("2400"),
    )
    set_standard(
        actor=cast.users.district,
        scheme=programs.orphan,
        region=cast.shiqiao,
        valid_from=Month(2018, 10),
        document="市桥街道试点",
        amount=Decimal("2500"),
    )
    year = Period.for_year(2018)
    assert compute("assistance.orphan.standard", year, cast.district).value == Decimal("2400")
    assert compute("assistance.orphan.standard_start", year, cast.district).value == Decimal("2263")
    records = compute("assistance.orphan.standard", year, cast.district).records
    assert [row.amount for row in records] == [Decimal("2263"), Decimal("2400")]
    march = Period.for_month(2018, 3)
    assert compute("assistance.orphan.standard", march, cast.district).value == Decimal("2263")
    assert compute("assistance.orphan.standard_start", march, cast.district).value == Decimal("2263")
    # the most specific region wins
    assert compute("assistance.orphan.standard", year, cast.village_sq).value == Decimal("2500")
    assert compute("assistance.orphan.standard", year, cast.shatou).value == Decimal("2400")
    assert compute("assistance.orphan.standard", Period.for_year(2017), cast.district).value is None


def test_children_paid_in_wan_yuan(cast, programs):
    district, finance = cast.users.district, cast.users.finance
    paid_child = _child(cast, 401, "黄一", date(2009, 1, 1))
    held_child = _child(cast, 403, "黄二", date(2010, 1, 1), cast.village_st)  # no bank account
    orphan = _child(cast, 405, "黄三", date(2011, 1, 1))
    for person in (paid_child, orphan):
        set_bank_account(
            actor=district,
            person=person,
            bank_name="农商行",
            account_name=person.name,
            account_number=f"6222{person.pk:012d}",
        )
    subsidy = programs.children_subsidy
    grant_entitlement(actor=district, scheme=subsidy, person=paid_child, start_month=Month(2018, 11))
    grant_entitlement(actor=district, scheme=subsidy, person=held_child, start_month=Month(2018, 11))
    grant_entitlement(actor=district, scheme=programs.orphan, person=orphan, start_month=Month(2018, 12))
    profile = register_child_profile(
        actor=district, person=paid_child, category="in_difficulty", guardian_name="黄父"
    )
    grant_education_grant(
        actor=district,
        child=profile,
        amount=Decimal("1234.56"),
        school_year=2018,
        reason="困难",
        month=Month(2018, 11),
    )
    for month in (Month(2018, 11), Month(2018, 12)):
        for scheme in (subsidy, programs.children_education, programs.orphan):
            run = payroll.get_or_create_run(scheme, month, actor=finance)
            payroll.build_run(run, actor=finance)
            if month == Month(2018, 11) or scheme != subsidy:  # December's subsidy run stays a draft
                payroll.approve_run(run, actor=district)

    # counted: November's subsidy of the child with an account (500) and the grant (1234.56)
    value = compute("assistance.children.paid", Period.for_year(2018), cast.district)
    assert value.exact == Decimal("1734.56")
    assert value.value == Decimal("0.17")  # 万元, two decimals, half-up
    assert compute("assistance.children.paid", Period.for_year(2018), cast.shatou).exact == Decimal("0")
    assert compute("assistance.orphan.paid", Period.for_year(2018), cast.district).exact == Decimal("2263")
    assert compute("assistance.orphan.recipients", Period.for_year(2018), cast.district).value == 1
    assert compute("assistance.children.education_grants", Period.for_year(2018), cast.district).value == 1
    assert compute("assistance.children.paid", Period.for_year(2017), cast.district).value is None


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period.for_quarter(2018, 1), {"children": 2, "high": 1, "medium": 1, "low": 0, "visits": 0}),
        (Period.for_year(2018), {"children": 1, "high": 0, "medium": 0, "low": 1, "visits": 1}),
    ],
)
def test_left_behind_by_risk_at_the_period_end(cast, period, expected):
    def register(person, risk):
        return register_left_behind(
            actor=cast.users.village,
            person=person,
            parents_away="both",
            parents_whereabouts="东莞",
            guardian_name="奶奶",
            guardian_relation="grandparent",
            risk_level=risk,
            registered_on=date(2018, 1, 10),
        )

    first = register(_child(cast, 411, "吴一", date(2008, 1, 1)), "high")
    second = register(_child(cast, 413, "吴二", date(2009, 1, 1)), "medium")
    record_care_visit(
        first,
        actor=cast.users.village,
        visited_on=date(2018, 6, 1),
        visitor_name="主任",
        findings="好转",
        risk_level="low",
    )
    record_care_visit(
        first,
        actor=cast.users.village,
        visited_on=date(2019, 2, 1),
        visitor_name="主任",
        findings="恶化",
        risk_level="high",
    )
    close_left_behind(
        second, actor=cast.users.village, reason="parents_returned", closed_on=date(2018, 11, 1)
    )

    def value(name):
        return compute(f"assistance.left_behind.{name}", period, cast.district).value

    assert value("children") == expected["children"]
    assert value("high_risk") == expected["high"]
    assert value("medium_risk") == expected["medium"]
    assert value("low_risk") == expected["low"]
    assert value("visits") == expected["visits"]  # the 2019 visit is outside both periods
