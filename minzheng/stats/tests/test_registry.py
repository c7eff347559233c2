"""The registry's own rules: money to 万元 half-up, rates with numerator and denominator, no invented zeros."""

from datetime import date
from decimal import Decimal

import pytest

from minzheng.stats.registry import IndicatorRegistry, Period, Result, UnknownIndicator, all_indicators

P2018 = Period.for_year(2018)


@pytest.fixture
def registry():
    return IndicatorRegistry()


def test_money_is_reported_in_wan_yuan_two_decimals_half_up(registry, cast):
    amounts = {"a": Decimal("12250.00"), "b": Decimal("12249.99"), "c": Decimal("32567000.00")}
    for key, amount in amounts.items():
        registry.indicator(f"t.money.{key}", name="金额", unit="万元", kind="flow")(lambda p, r, a=amount: a)
    values = {v.indicator.id: v.value for v in registry.compute_all(P2018, cast.district)}
    # 12250 元 = 1.225 万元 → 1.23 half-up (banker's rounding would give 1.22); 12249.99 → 1.22.
    assert values == {
        "t.money.a": Decimal("1.23"),
        "t.money.b": Decimal("1.22"),
        "t.money.c": Decimal("3256.70"),
    }


def test_a_rate_carries_numerator_and_denominator_and_a_percentage(registry, cast):
    registry.indicator("t.rate", name="比例", unit="%", kind="rate")(
        lambda p, r: Result(numerator=1, denominator=3)
    )
    registry.indicator("t.rate0", name="比例", unit="%", kind="rate")(
        lambda p, r: Result(numerator=0, denominator=0)
    )
    value = registry.compute("t.rate", P2018, cast.district)
    assert (value.value, value.numerator, value.denominator) == (Decimal("33.33"), 1, 3)
    assert value.as_dict() == {
        "id": "t.rate",
        "name": "比例",
        "unit": "%",
        "value": 33.33,
        "numerator": 1,
        "denominator": 3,
    }
    assert registry.compute("t.rate0", P2018, cast.district).value is None


def test_an_area_with_no_records_is_null_not_zero(registry, cast):
    registry.indicator("t.none", name="未建", unit="户", kind="stock")(lambda p, r: None)
    assert registry.compute("t.none", P2018, cast.district).as_dict()["value"] is None


def test_the_function_receives_the_period_and_region(registry, cast):
    seen = []
    registry.indicator("t.args", name="参数", unit="个", kind="flow")(lambda p, r: seen.append((p, r)) or 0)
    registry.compute("t.args", Period.parse("2018Q4", today=date(2019, 1, 1)), cast.shiqiao)
    assert seen == [(Period(date(2018, 10, 1), date(2018, 12, 31), "quarter"), cast.shiqiao)]


def test_floats_duplicates_and_bad_kinds_are_refused(registry, cast):
    registry.indicator("t.float", name="浮点", unit="万元", kind="flow")(lambda p, r: 1.5)
    with pytest.raises(TypeError):
        registry.compute("t.float", P2018, cast.district)
    with pytest.raises(ValueError):
        registry.indicator("t.float", name="重复", unit="个", kind="flow")(lambda p, r: 0)
    with pytest.raises(ValueError):
        registry.indicator("t.kind", name="错", unit="个", kind="total")
    with pytest.raises(ValueError):
        registry.indicator("t.pct", name="错", unit="个", kind="rate")


def test_an_unknown_indicator_is_a_clear_error(registry, cast):
    with pytest.raises(UnknownIndicator) as err:
        registry.compute("no.such", P2018, cast.district)
    assert "指标“no.such”不存在" in str(err.value)


def test_the_project_registry_is_filled_by_autodiscovery_and_sorted():
    ids = [item.id for item in all_indicators()]
    assert {"registry.persons", "registry.households"} <= set(ids)
    assert ids == sorted(ids)
