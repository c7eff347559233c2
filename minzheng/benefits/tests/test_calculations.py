"""Amounts on hand-built households, computed here by hand (not by re-running the engine)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.benefits.calculations import describe
from minzheng.benefits.models import AmountPeriod, Standard
from minzheng.benefits.services import grant_entitlement, reimburse_claim, set_standard
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import add_member, register_person


def periods(entitlement):
    return [
        (p.from_month, p.to_month, p.amount) for p in AmountPeriod.objects.filter(entitlement=entitlement)
    ]


def test_top_up_with_category_supplements(cast, schemes):
    # 张三明 (b. 1960-05), 李四芳 (b. 1962-07), 张小明 (b. 2010-03, a minor); income 1200.
    ent = grant_entitlement(
        actor=cast.users.district,
        scheme=schemes.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        assessed_income=Decimal("1200"),
    )
    # 2018: max(0, 900×3 − 1200) = 1500, + minor 10% of 900 = 90 → 1590.00
    first = AmountPeriod.objects.filter(entitlement=ent).first()
    assert first.from_month == date(2018, 1, 1) and first.amount == Decimal("1590.00")
    assert (
        first.trace["members"] == 3 and first.trace["supplements"][0]["person"] == "张**"
    )  # a child: masked in the trace
    # 张三明 turns 60 in May 2020: + elderly 20% = 180 → 1770.00 from 2020-05
    assert (date(2020, 5, 1), Decimal("1770.00")) in [(p[0], p[2]) for p in periods(ent)]
    # 李四芳 turns 60 in July 2022: + 180 → 1950.00; 张小明 turns 18 in March 2028: − 90 → 1860.00
    assert (date(2022, 7, 1), Decimal("1950.00")) in [(p[0], p[2]) for p in periods(ent)]
    assert (date(2028, 3, 1), Decimal("1860.00")) in [(p[0], p[2]) for p in periods(ent)]
    assert "max(0, 900.00 × 3 − 1200.00)" in describe(first.trace)


def test_top_up_never_negative(cast, schemes):
    ent = grant_entitlement(
        actor=cast.users.district,
        scheme=schemes.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        assessed_income=Decimal("5000"),
    )
    # max(0, 2700 − 5000) = 0, only the minor's 90 remains
    assert AmountPeriod.objects.filter(entitlement=ent).first().amount == Decimal("90.00")


def test_a_standard_rise_splits_the_periods(cast, schemes):
    ent = grant_entitlement(
        actor=cast.users.district,
        scheme=schemes.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        assessed_income=Decimal("1200"),
    )
    set_standard(
        actor=cast.users.district,
        scheme=schemes.dibao,
        region=cast.district,
        valid_from=Month(2018, 7),
        amount=Decimal("950"),
        document="番民〔2018〕50号",
        params=Standard.objects.get(scheme=schemes.dibao, valid_to__isnull=True).params,
    )
    rows = periods(ent)
    assert rows[0] == (date(2018, 1, 1), date(2018, 6, 1), Decimal("1590.00"))
    # max(0, 950×3 − 1200) = 1650 + 95 = 1745.00
    assert rows[1][0] == date(2018, 7, 1) and rows[1][2] == Decimal("1745.00")
    assert Standard.objects.get(scheme=schemes.dibao, valid_from=date(2018, 1, 1)).valid_to == date(
        2018, 6, 1
    )


def test_a_village_standard_overrides_the_district(cast, schemes):
    set_standard(
        actor=cast.users.district,
        scheme=schemes.nursing,
        region=cast.village_sq,
        valid_from=Month(2018, 1),
        amount=Decimal("250"),
        document="试点",
    )
    ent = grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhang, start_month=Month(2018, 1)
    )
    other = grant_entitlement(
        actor=cast.users.district, scheme=schemes.nursing, person=cast.zhao, start_month=Month(2018, 1)
    )
    assert ent.monthly_amount == Decimal("250.00") and other.monthly_amount == Decimal("200.00")


def test_overlapping_standard_is_refused(cast, schemes):
    set_standard(
        actor=cast.users.district,
        scheme=schemes.nursing,
        region=cast.shiqiao,
        valid_from=Month(2018, 1),
        valid_to=Month(2018, 12),
        amount=Decimal("210"),
        document="甲",
    )
    with pytest.raises(ValidationError) as err:
        set_standard(
            actor=cast.users.district,
            scheme=schemes.nursing,
            region=cast.shiqiao,
            valid_from=Month(2018, 6),
            amount=Decimal("220"),
            document="乙",
        )
    assert "重叠" in err.value.message_dict["valid_from"][0]


def test_age_bands_change_in_the_birthday_month(cast, schemes):
    old = register_person(
        actor=cast.users.town,
        id_number=make_id_number("440113", date(1938, 3, 15), 71),
        name="高寿",
        region=cast.village_sq,
    )
    ent = grant_entitlement(
        actor=cast.users.district, scheme=schemes.longevity, person=old, start_month=Month(2018, 1)
    )
    rows = periods(ent)
    # 79 in Jan–Feb 2018 → 30; turns 80 in March 2018 → 100; turns 90 in March 2028 → 200
    assert rows[0] == (date(2018, 1, 1), date(2018, 2, 1), Decimal("30.00"))
    assert rows[1] == (date(2018, 3, 1), date(2028, 2, 1), Decimal("100.00"))
    assert rows[2][0] == date(2028, 3, 1) and rows[2][2] == Decimal("200.00")


def test_multiple_of_another_schemes_standard_and_exclusion(cast, schemes):
    wang = cast.hh_sq2.head
    ent = grant_entitlement(
        actor=cast.users.district, scheme=schemes.tekun, person=wang, start_month=Month(2018, 1)
    )
    assert ent.monthly_amount == Decimal("1440.00")  # 900 × 1.6
    with pytest.raises(ValidationError) as err:
        grant_entitlement(
            actor=cast.users.district,
            scheme=schemes.dibao,
            person=wang,
            household=cast.hh_sq2,
            start_month=Month(2018, 3),
        )
    assert "不能同时享受" in err.value.message_dict["scheme"][0]


def test_household_change_recalculates_from_the_next_month(
    cast, schemes, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: date(2026, 11, 28))
    ent = grant_entitlement(
        actor=cast.users.district,
        scheme=schemes.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        assessed_income=Decimal("1200"),
    )
    baby = register_person(
        actor=cast.users.town,
        id_number=make_id_number("440113", date(2026, 1, 5), 82),
        name="张宝宝",
        region=cast.village_sq,
    )
    with django_capture_on_commit_callbacks(execute=True):
        add_member(cast.hh_sq, actor=cast.users.town, person=baby, relation="child", since=date(2026, 11, 1))
    ent.refresh_from_db()
    # until November 2026 (this month) three members: 1500 + 180 + 180 + 90 = 1950.00
    # from December 2026 four: max(0, 900×4 − 1200) = 2400 + 180 + 180 + 90 + 90 = 2940.00
    rows = periods(ent)
    assert (date(2022, 7, 1), date(2026, 11, 1), Decimal("1950.00")) in rows
    assert (date(2026, 12, 1), Decimal("2940.00")) in [(r[0], r[2]) for r in rows]


def test_claim_is_reimbursed_to_the_cap_and_says_so(cast, schemes):
    first = reimburse_claim(
        actor=cast.users.district,
        scheme=schemes.medical,
        person=cast.zhao,
        month=Month(2018, 3),
        out_of_pocket=Decimal("12500"),
    )
    assert first.fixed_amount == Decimal("8400.00")  # (12500 − 500) × 0.7
    second = reimburse_claim(
        actor=cast.users.district,
        scheme=schemes.medical,
        person=cast.zhao,
        month=Month(2018, 5),
        out_of_pocket=Decimal("6500"),
    )
    # (6500 − 500) × 0.7 = 4200, but only 10000 − 8400 = 1600 is left of the annual cap
    assert second.fixed_amount == Decimal("1600.00") and second.trace["capped"] is True
    assert "封顶" in second.trace["formula"]
    third = reimburse_claim(
        actor=cast.users.district,
        scheme=schemes.medical,
        person=cast.zhao,
        month=Month(2019, 1),
        out_of_pocket=Decimal("1500"),
    )
    assert third.fixed_amount == Decimal("700.00")  # a new year, a new cap
