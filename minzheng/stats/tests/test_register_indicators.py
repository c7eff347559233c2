"""registry.persons and registry.households on the shared cast, with answers counted by hand.

The cast (conftest.py): in 市桥's test community 张三明 (b. 1960), 李四芳 (b. 1962) and 张小明
(b. 3 Mar 2010) in household SQ-0001 since 1 Jan 2015, 王五 (b. 1948) alone in SQ-0002 since
1 Jan 2016; in 沙头's test community 赵六 (b. 1970) alone in ST-0001 since 1 Jan 2016.
"""

from datetime import date

import pytest

from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Person
from minzheng.registry.services import record_death, register_person, remove_member
from minzheng.stats.registry import Period, compute, compute_all

TODAY = date(2030, 1, 1)


def figures(text, region):
    period = Period.parse(text, today=TODAY)
    return compute("registry.persons", period, region).value, compute(
        "registry.households", period, region
    ).value


def test_year_end_2018_by_region(cast):
    assert figures("2018", cast.district) == (5, 3)
    assert figures("2018", cast.shiqiao) == (4, 2)
    assert figures("2018", cast.village_sq) == (4, 2)
    assert figures("2018", cast.shatou) == (1, 1)
    assert figures("2018", cast.village_st) == (1, 1)


def test_households_count_from_their_first_members_entry(cast):
    assert figures("2015", cast.district) == (5, 1)  # only SQ-0001 existed
    assert figures("2014", cast.district) == (5, 0)


def test_persons_count_from_their_birth(cast):
    assert figures("2009", cast.district)[0] == 4  # 张小明 not yet born
    assert figures("2010-02", cast.district)[0] == 4
    assert figures("2010Q1", cast.district)[0] == 5  # born 3 March 2010


def test_a_death_leaves_the_register_and_empties_a_one_person_household(cast):
    wang = Person.objects.get(name="王五")
    record_death(wang, actor=cast.users.admin, death_date=date(2018, 6, 30))
    assert figures("2018Q1", cast.district) == (5, 3)
    assert figures("2018-05", cast.district) == (5, 3)
    assert figures("2018-06", cast.district) == (4, 2)  # died on the last day: not alive at the end
    assert figures("2018", cast.district) == (4, 2)
    assert figures("2018", cast.shiqiao) == (3, 1)


def test_a_member_leaving_does_not_empty_a_household_that_keeps_others(cast):
    li = Person.objects.get(name="李四芳")
    remove_member(cast.hh_sq, actor=cast.users.admin, person=li, until=date(2017, 5, 1), reason="迁出")
    assert figures("2018", cast.shiqiao) == (4, 2)  # still registered in 市桥 as a person


def test_a_newborn_counts_from_the_period_of_birth(cast):
    register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", date(2018, 6, 1), 71),
        name="新生儿",
        region=cast.village_st,
    )
    assert figures("2018Q1", cast.shatou) == (1, 1)
    assert figures("2018Q2", cast.shatou) == (2, 1)  # a person, but in no household yet
    assert figures("2018", cast.district) == (6, 3)


def test_each_value_keeps_the_records_it_counted(cast):
    value = compute("registry.persons", Period.for_year(2018), cast.shatou)
    assert [p.name for p in value.records] == ["赵六"]
    households = compute("registry.households", Period.for_year(2018), cast.shiqiao)
    assert sorted(h.number for h in households.records) == ["SQ-0001", "SQ-0002"]


@pytest.mark.parametrize("region", ["district", "shiqiao", "village_st"])
def test_compute_all_gives_both_in_id_order(cast, region):
    values = compute_all(Period.for_year(2018), getattr(cast, region))
    ids = [v.indicator.id for v in values]
    assert ids.index("registry.households") < ids.index("registry.persons")
    units = {v.indicator.id: v.indicator.unit for v in values}
    assert units["registry.persons"] == "人" and units["registry.households"] == "户"
