"""精准扶贫 figures on hand-built data: start and end of the register, and the exit rate."""

from datetime import date
from decimal import Decimal

from minzheng.assistance.services.poverty import (
    add_measure,
    exit_household,
    record_visit,
    register_poor_household,
    reopen_household,
)
from minzheng.stats.registry import Period, compute


def _poor(cast, household, exited_on=None, registered_on=date(2016, 10, 20)):
    actor = cast.users.district
    record = register_poor_household(
        actor=actor, household=household, registered_on=registered_on, cause="illness"
    )
    add_measure(record, actor=actor, kind="employment", description="推荐就业", taken_on=registered_on)
    record_visit(record, actor=actor, visited_on=registered_on, notes="走访")
    if exited_on:
        exit_household(record, actor=actor, exited_on=exited_on, verification="核验通过")
    return record


def _figures(region, period=None):
    period = period or Period.for_year(2018)
    ids = ["households_start", "persons_start", "households", "persons", "exit_rate"]
    return {key: compute(f"assistance.poverty.{key}", period, region) for key in ids}


def test_three_registered_two_exited(cast):
    _poor(cast, cast.hh_sq, exited_on=date(2018, 5, 10))  # 3 persons
    _poor(cast, cast.hh_sq2, exited_on=date(2018, 12, 31))  # 1 person, exits on the last day
    _poor(cast, cast.hh_st)  # 1 person, stays
    figures = _figures(cast.district)
    assert (figures["households_start"].value, figures["persons_start"].value) == (3, 5)
    assert (figures["households"].value, figures["persons"].value) == (1, 1)
    rate = figures["exit_rate"]
    assert (rate.numerator, rate.denominator, rate.value) == (2, 3, Decimal("66.67"))


def test_by_region_and_by_period(cast):
    _poor(cast, cast.hh_sq, exited_on=date(2017, 6, 1))  # left before 2018
    _poor(cast, cast.hh_sq2, registered_on=date(2018, 3, 1), exited_on=date(2018, 9, 1))  # in and out in 2018
    _poor(cast, cast.hh_st)
    shiqiao = _figures(cast.shiqiao)
    assert shiqiao["households_start"].value == 0
    assert shiqiao["households"].value == 0
    assert (shiqiao["exit_rate"].numerator, shiqiao["exit_rate"].denominator) == (1, 1)
    shatou = _figures(cast.shatou)
    assert (shatou["households_start"].value, shatou["households"].value) == (1, 1)
    assert shatou["exit_rate"].value == Decimal("0.00")
    in_2017 = _figures(cast.district, Period.for_year(2017))
    assert (in_2017["households_start"].value, in_2017["households"].value) == (2, 1)
    assert (in_2017["exit_rate"].numerator, in_2017["exit_rate"].denominator) == (1, 2)


def test_a_withdrawn_exit_no_longer_counts(cast):
    record = _poor(cast, cast.hh_sq, exited_on=date(2018, 5, 10))
    reopen_household(record, actor=cast.users.district, reason="复核不符合脱贫条件")
    figures = _figures(cast.district)
    assert figures["households"].value == 1
    assert figures["exit_rate"].numerator == 0


def test_no_register_gives_no_rate(cast):
    rate = compute("assistance.poverty.exit_rate", Period.for_year(2018), cast.district)
    assert rate.value is None and rate.denominator == 0
