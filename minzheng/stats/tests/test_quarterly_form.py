"""The quarterly statistics form: one row per 镇街 in code order, a total, units in the header, and
万元 with ONE decimal rounded half-up from the exact yuan (the total from the exact sum)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from minzheng.registry.models import Person
from minzheng.registry.services import record_death
from minzheng.stats.registry import Period, towns_at
from minzheng.stats.reporting import wan_yuan_one_decimal
from minzheng.stats.services import close_period

# 市桥 12 450 元 = 1.245 万元 → 1.2 (rounding the two-decimal 1.25 again would give 1.3);
# 沙头 1 450 元 → 0.145 → 0.1; total 13 900 元 → 1.39 → 1.4 (not 1.2 + 0.1 = 1.3).
PAID = {"440113007000": Decimal("12450.00"), "440113008000": Decimal("1450.00")}


def form(tmp_path, year="2018", quarter="4"):
    path = tmp_path / "q.xlsx"
    call_command(
        "quarterly_form", "--year", year, "--quarter", quarter, "--output", str(path), stdout=io.StringIO()
    )
    return load_workbook(path)


def table(workbook):
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    header = rows[2]
    return rows, header, {row[0]: dict(zip(header, row, strict=True)) for row in rows[3:]}


@pytest.mark.parametrize(
    ("yuan", "wan"),
    [
        ("12450", "1.2"),
        ("12500", "1.3"),
        ("12499.99", "1.2"),
        ("1450", "0.1"),
        ("13900", "1.4"),
        ("0", "0.0"),
    ],
)
def test_one_decimal_wan_yuan_is_half_up_from_the_exact_yuan(yuan, wan):
    assert wan_yuan_one_decimal(Decimal(yuan)) == Decimal(wan)


def test_one_row_per_town_in_code_order_with_a_total(cast, tmp_path, add_indicator):
    add_indicator("assistance.dibao.paid", PAID, unit="万元", name="低保金")
    workbook = form(tmp_path)
    rows, header, by_town = table(workbook)
    assert rows[0][0] == "番禺区民政统计季报（2018年第四季度）"
    assert "2018-10-01 至 2018-12-31" in rows[1][0] and "万元（保留一位小数）" in rows[1][0]
    assert header[:2] == ("镇街", "区划代码")
    assert "低保金\n（万元）" in header and "在册人员\n（人）" in header
    towns = towns_at(Period.for_quarter(2018, 4))
    assert [row[0] for row in rows[3:-1]] == [t.name for t in towns]
    assert [row[1] for row in rows[3:-1]] == sorted(t.code for t in towns)
    assert rows[-1][0] == "合计"
    money = "低保金\n（万元）"
    assert (by_town["市桥街道"][money], by_town["沙头街道"][money], by_town["合计"][money]) == (1.2, 0.1, 1.4)
    assert by_town["大石街道"][money] is None
    persons = "在册人员\n（人）"
    assert (by_town["市桥街道"][persons], by_town["沙头街道"][persons], by_town["合计"][persons]) == (4, 1, 5)
    money_column = header.index(money) + 1
    assert workbook.worksheets[0].cell(row=4, column=money_column).number_format == "0.0"
    assert workbook.sheetnames[1] == "指标说明"


def test_a_closed_quarter_uses_its_snapshot(cast, tmp_path):
    close_period(Period.for_quarter(2018, 4), actor=cast.users.district)
    record_death(Person.objects.get(name="王五"), actor=cast.users.admin, death_date=date(2018, 11, 1))
    _, header, by_town = table(form(tmp_path))
    assert by_town["市桥街道"]["在册人员\n（人）"] == 4 and by_town["合计"]["在册人员\n（人）"] == 5
    _, _, live = table(form(tmp_path, quarter="3"))
    assert live["市桥街道"]["在册人员\n（人）"] == 4  # Q3 ended before the death


@pytest.mark.parametrize(
    ("year", "quarter", "message"),
    [
        ("2018", "5", "1 到 4"),
        ("18", "4", "四位年份"),
        (str(timezone.localdate().year + 1), "1", "未来"),
    ],
)
def test_bad_input_is_refused(cast, tmp_path, year, quarter, message):
    with pytest.raises(CommandError) as err:
        form(tmp_path, year, quarter)
    assert message in str(err.value)


def test_the_ui_download_is_scoped(client, cast):
    client.force_login(cast.users.district)
    response = client.get("/stats/quarterly/", {"year": "2018", "quarter": "4", "download": "1"})
    rows, _, by_town = table(load_workbook(io.BytesIO(b"".join(response.streaming_content))))
    assert len(rows) == 3 + len(towns_at(Period.for_quarter(2018, 4))) + 1
    client.force_login(cast.users.town)
    preview = client.get("/stats/quarterly/", {"year": "2018", "quarter": "4"}).content.decode()
    assert "市桥街道" in preview and "沙头街道" not in preview
    response = client.get("/stats/quarterly/", {"year": "2018", "quarter": "4", "download": "1"})
    rows, _, by_town = table(load_workbook(io.BytesIO(b"".join(response.streaming_content))))
    assert [row[0] for row in rows[3:]] == ["市桥街道", "合计"]
    client.force_login(cast.users.village)
    assert client.get("/stats/quarterly/", {"year": "2018", "quarter": "4"}).status_code == 403
    client.force_login(cast.users.district)
    assert client.get("/stats/quarterly/", {"year": "2018", "quarter": "9"}).status_code == 400
