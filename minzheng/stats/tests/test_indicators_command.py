import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone


def run(*args):
    out = StringIO()
    call_command("indicators", *args, stdout=out)
    return out.getvalue()


def test_json_is_exactly_the_interface_format(cast):
    data = json.loads(run("--year", "2018", "--format", "json"))
    assert list(data) == ["year", "region", "indicators"]
    assert data["year"] == 2018 and data["region"] == "440113"
    by_id = {item["id"]: item for item in data["indicators"]}
    assert by_id["registry.persons"] == {
        "id": "registry.persons",
        "name": "在册人员",
        "unit": "人",
        "value": 5,
        "numerator": None,
        "denominator": None,
    }
    assert by_id["registry.households"] == {
        "id": "registry.households",
        "name": "家庭户",
        "unit": "户",
        "value": 3,
        "numerator": None,
        "denominator": None,
    }
    for item in data["indicators"]:
        assert list(item) == ["id", "name", "unit", "value", "numerator", "denominator"]


def test_json_for_a_town(cast):
    data = json.loads(run("--year", "2018", "--region", "440113008000", "--format", "json"))
    assert data["region"] == "440113008000"
    assert {i["id"]: i["value"] for i in data["indicators"]}["registry.persons"] == 1


def test_the_table_lists_every_indicator_in_chinese(cast):
    out = run("--year", "2018", "--region", "440113007000")
    assert "市桥街道（440113007000） 2018 年度" in out
    persons = next(line for line in out.splitlines() if line.startswith("registry.persons"))
    assert "在册人员" in persons and persons.split()[2:4] == ["4", "人"]


@pytest.mark.parametrize("year", ["2018Q4", "18", "abcd", "2018-12"])
def test_a_malformed_year_is_refused(cast, year):
    with pytest.raises(CommandError) as err:
        run("--year", year)
    assert "四位年份" in str(err.value)


def test_a_future_year_is_refused(cast):
    with pytest.raises(CommandError) as err:
        run("--year", str(timezone.localdate().year + 1))
    assert "未来" in str(err.value)


def test_an_unknown_region_is_refused(cast):
    with pytest.raises(CommandError) as err:
        run("--year", "2018", "--region", "999999")
    assert "区划代码“999999”不存在" in str(err.value)
