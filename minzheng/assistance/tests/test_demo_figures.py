"""End to end: the demo data set, generated through the real services and payroll runs, makes
`indicators --year 2018` reproduce the social-assistance figures of the source (FIGURES.md).

This runs the whole `seed_demo` (about a minute on SQLite), then the indicators command, and
compares every figure of the social-assistance table with the source's value as published
(money in 万元 with two decimals, counts exactly).
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from minzheng.stats.registry import all_indicators

# FIGURES.md, social assistance: id → the source's value for the district in 2018
SOURCE_2018 = {
    "assistance.dibao.standard_start": 900,
    "assistance.dibao.standard": 950,
    "assistance.dibao.households": 908,
    "assistance.dibao.persons": 1515,
    "assistance.dibao.paid": 1366.73,
    "assistance.disability.persons_dec": 13240,
    "assistance.disability.paid": 2831.03,
    "assistance.medical.visits": 59217,
    "assistance.medical.paid": 3036.47,
    "assistance.orphan.standard": 2263,
    "assistance.children.paid": 22.9,
    "assistance.poverty.households_start": 40,
    "assistance.poverty.persons_start": 136,
    "assistance.poverty.households": 2,
    "assistance.poverty.persons": 10,
    "assistance.poverty.exit_rate": 95,
    "assistance.charity.donations": 1225.3,
    "assistance.disaster.events": 2,
}


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("indicators", "--year", "2018", "--format", "json", stdout=out)
    return {item["id"]: item for item in json.loads(out.getvalue())["indicators"]}


def test_every_figure_of_the_table_is_a_registered_indicator():
    """A figure dropped or renamed must fail here, not be silently left out of the comparison."""
    registered = {item.id for item in all_indicators()}
    assert sorted(set(SOURCE_2018) - registered) == []


def test_the_demo_reproduces_the_social_assistance_figures_of_2018(demo):
    assert sorted(set(SOURCE_2018) - set(demo)) == []  # every figure was computed
    got = {key: demo[key]["value"] for key in SOURCE_2018}
    assert got == pytest.approx(SOURCE_2018, abs=0.001)
