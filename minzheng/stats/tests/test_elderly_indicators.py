"""registry.elderly (户籍, aged 60+) and registry.elderly_resident (actual residence, aged 60+),
on the cast with answers worked out by hand.

The cast: 王五 b. 9 Jan 1948, 张三明 b. 1 May 1960, 李四芳 b. 8 Jul 1962, 张小明 b. 2010 (all
registered in 市桥's test community), 赵六 b. 10 Oct 1970 (沙头's test community).
"""

from datetime import date

from minzheng.registry.models import Person
from minzheng.registry.services import record_death, update_person
from minzheng.stats.registry import Period, compute

TODAY = date(2030, 6, 1)


def elderly(text, region, indicator="registry.elderly"):
    return compute(indicator, Period.parse(text, today=TODAY), region).value


def test_only_wang_is_60_at_the_end_of_2018(cast):
    # born on or before 31 Dec 1958: only 王五 (1948); 张三明 is 58.
    assert elderly("2018", cast.district) == 1
    assert elderly("2018", cast.shiqiao) == 1
    assert elderly("2018", cast.shatou) == 0
    value = compute("registry.elderly", Period.for_year(2018), cast.district)
    assert [p.name for p in value.records] == ["王五"]


def test_someone_counts_from_the_month_of_their_60th_birthday(cast):
    assert elderly("2020-04", cast.district) == 1  # 张三明 turns 60 on 1 May 2020
    assert elderly("2020-05", cast.district) == 2
    assert elderly("2020", cast.district) == 2
    assert elderly("2022", cast.district) == 3  # 李四芳 turns 60 on 8 Jul 2022
    assert elderly("2022Q2", cast.district) == 2


def test_the_dead_are_not_counted(cast):
    record_death(Person.objects.get(name="王五"), actor=cast.users.admin, death_date=date(2018, 3, 1))
    assert elderly("2018-02", cast.district) == 1
    assert elderly("2018-03", cast.district) == 0


def test_residents_are_counted_where_they_live_registered_residents_where_registered(cast):
    wang = Person.objects.get(name="王五")
    update_person(wang, actor=cast.users.admin, residence_region=cast.village_st)
    # registered population: still 市桥
    assert (elderly("2018", cast.shiqiao), elderly("2018", cast.shatou)) == (1, 0)
    # actual residence: 沙头
    assert elderly("2018", cast.shiqiao, "registry.elderly_resident") == 0
    assert elderly("2018", cast.shatou, "registry.elderly_resident") == 1
    assert elderly("2018", cast.district, "registry.elderly_resident") == 1


def test_without_a_recorded_residence_the_registered_place_counts(cast):
    assert elderly("2020", cast.shiqiao, "registry.elderly_resident") == 2
    assert elderly("2020", cast.village_st, "registry.elderly_resident") == 0
