"""What the registry knows besides the value: area (report chapter), names, drill-down columns,
the exact yuan behind a 万元 figure, periods in Chinese, and the region tree at a period's end."""

from datetime import date
from decimal import Decimal

import pytest

from minzheng.stats.areas import AREAS, PROGRAM_AREAS, area_for
from minzheng.stats.registry import (
    IndicatorRegistry,
    Period,
    children_at,
    compute,
    get_indicator,
    indicators_by_area,
    towns_at,
)


@pytest.mark.parametrize(
    ("indicator_id", "area"),
    [
        ("assistance.dibao.households", "assistance"),
        ("verification.accuracy", "assistance"),
        ("eldercare.beds.total", "eldercare"),
        ("community.meetings", "community"),
        ("socialorgs.total", "socialorgs"),
        ("veterans.resettled", "veterans"),
        ("placenames.gapfill", "special"),
        ("marriage.registrations", "special"),
        ("rescue.returned", "special"),
        ("funeral.cremation_rate", "special"),
        ("registry.persons", "overview"),
        ("benefits.paid", "overview"),
        ("something.else", "overview"),
    ],
)
def test_the_area_follows_the_id_prefix(indicator_id, area):
    assert area_for(indicator_id).key == area


def test_the_program_areas_keep_the_source_documents_chapter_order():
    assert [str(a.title) for a in PROGRAM_AREAS] == [
        "社会救助",
        "养老服务",
        "社区治理",
        "社会组织",
        "双拥优抚安置",
        "专项事务",
    ]
    assert str(AREAS[-1].title) == "底册与发放"


def test_indicators_carry_names_definition_columns_and_area():
    persons = get_indicator("registry.persons")
    assert (str(persons.name), persons.english_name, persons.area.key) == (
        "在册人员",
        "Registered persons",
        "overview",
    )
    assert "出生日期不晚于期末" in str(persons.definition)
    assert [str(header) for header, _ in persons.columns][:2] == ["姓名", "身份证号码"]
    grouped = indicators_by_area()
    assert {"registry.persons", "registry.households", "registry.elderly"} <= {
        i.id for i in grouped["overview"]
    }


def test_an_english_name_falls_back_to_the_translation_of_the_name(cast):
    registry = IndicatorRegistry()
    registry.indicator("t.plain", name="测试", unit="个", kind="flow")(lambda p, r: 1)
    assert registry.get("t.plain").english_name == "测试"  # no catalog entry: the name itself


def test_money_keeps_the_exact_yuan_behind_the_rounded_figure(cast):
    registry = IndicatorRegistry()
    registry.indicator("t.money", name="金额", unit="万元", kind="flow")(lambda p, r: Decimal("12450.00"))
    value = registry.compute("t.money", Period.for_year(2018), cast.district)
    assert (value.value, value.exact) == (Decimal("1.25"), Decimal("12450.00"))
    registry.indicator("t.count", name="户数", unit="户", kind="stock")(lambda p, r: 3)
    assert registry.compute("t.count", Period.for_year(2018), cast.district).exact is None


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2018", "2018年"),
        ("2018Q4", "2018年第四季度"),
        ("2018Q1", "2018年第一季度"),
        ("2018-03", "2018年3月"),
    ],
)
def test_periods_have_a_chinese_label(text, label):
    assert Period.parse(text, today=date(2019, 1, 1)).label == label


def test_the_months_of_a_period_stop_at_today():
    assert [str(m) for m in Period.for_quarter(2018, 4).months(today=date(2019, 1, 1))] == [
        "2018-10",
        "2018-11",
        "2018-12",
    ]
    assert [str(m) for m in Period.for_year(2019).months(today=date(2019, 3, 5))] == [
        "2019-01",
        "2019-02",
        "2019-03",
    ]
    assert Period.for_year(2018).has_ended(date(2019, 1, 1)) and not Period.for_year(2018).has_ended(
        date(2018, 12, 31)
    )


def test_children_and_towns_in_force_at_the_period_end_in_code_order(cast):
    period = Period.for_year(2018)
    towns = towns_at(period)
    codes = [t.code for t in towns]
    assert codes == sorted(codes) and {"440113007000", "440113008000"} <= set(codes)
    assert [c.code for c in children_at(cast.district, period)] == codes
    assert [c.code for c in children_at(cast.shiqiao, period)] == ["440113007001"]
    assert list(children_at(cast.village_sq, period)) == []


def test_a_renamed_town_is_shown_as_its_successor_in_every_year(cast):
    # 沙湾镇 (440113101000) became 沙湾街道 (440113017000) on 1 Jan 2020; its villages hang under
    # 沙湾街道, so the 16 rows of 2018 show 沙湾街道 rather than an empty 沙湾镇.
    for year in (2018, 2020):
        codes = [t.code for t in towns_at(Period.for_year(year))]
        assert len(codes) == 16 and "440113017000" in codes and "440113101000" not in codes


def test_registry_figures_come_with_their_records(cast):
    value = compute("registry.households", Period.for_year(2018), cast.shatou)
    assert value.value == 1 and [h.number for h in value.records] == ["ST-0001"]
