"""The donations data set `assistance_donations`: template, all-or-nothing import through
`record_donations` with row-numbered Chinese errors, scope, audit and a masked export."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from minzheng.assistance.models import Donation
from minzheng.assistance.services.charity import create_campaign, record_donation
from minzheng.core.datasets import export_dataset, import_dataset
from minzheng.core.models import AuditLog

pytestmark = pytest.mark.django_db

HEADERS = ["募捐活动", "捐赠人", "匿名捐赠", "捐赠人类别", "金额（元）", "到账日期", "票据号", "接收区划代码"]
CAMPAIGN = "2018年广东扶贫济困日"
WINTER = "2018年冬季送温暖"


@pytest.fixture
def campaigns(cast):
    summer = create_campaign(
        actor=cast.users.district,
        name=CAMPAIGN,
        region=cast.district,
        starts_on=date(2018, 5, 1),
        ends_on=date(2018, 9, 30),
    )
    winter = create_campaign(
        actor=cast.users.district,
        name=WINTER,
        region=cast.district,
        starts_on=date(2018, 11, 1),
        ends_on=date(2018, 12, 31),
    )
    return summer, winter


def xlsx(tmp_path, rows, name="donations.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / name
    workbook.save(path)
    return path


def good_rows(cast):
    sq, village = cast.shiqiao.code, cast.village_sq.code
    return [
        (CAMPAIGN, "番禺实业有限公司", "否", "企业", "50000", "2018-06-30", "YC-001", sq),
        (CAMPAIGN, "", "是", "个人", "200.5", "2018/6/29", "YC-002", village),
        (WINTER, "番禺区慈善会", "", "机关团体及社会组织", 3000, date(2018, 12, 20), "YC-003", sq),
    ]


def test_the_template_has_the_columns_and_the_instructions(tmp_path):
    out = tmp_path / "template.xlsx"
    call_command("import_data", "assistance_donations", "--template", str(out))
    workbook = load_workbook(out)
    assert [c.value for c in workbook.worksheets[0][1]] == HEADERS
    notes = [row[0] for row in workbook["填写说明"].iter_rows(values_only=True)]
    assert "票据号" in notes and "接收区划代码" in notes


def test_a_good_file_is_recorded_through_the_service_with_an_audit_row_each(cast, campaigns, tmp_path):
    result = import_dataset("assistance_donations", xlsx(tmp_path, good_rows(cast)), actor=cast.users.town)
    assert result.ok, result.errors
    assert (result.rows, result.created) == (3, 3)
    donations = {d.receipt_number: d for d in Donation.objects.select_related("campaign", "region")}
    first, anonymous, winter = donations["YC-001"], donations["YC-002"], donations["YC-003"]
    assert (first.campaign.name, first.donor_type, first.amount) == (CAMPAIGN, "company", Decimal("50000.00"))
    assert (anonymous.anonymous, anonymous.donor_name, anonymous.amount) == (True, "", Decimal("200.50"))
    assert (anonymous.received_on, anonymous.region) == (date(2018, 6, 29), cast.village_sq)
    assert (winter.campaign.name, winter.donor_type) == (WINTER, "organisation")
    assert {d.recorded_by for d in donations.values()} == {cast.users.town}
    rows = AuditLog.objects.filter(action="import", object_type="assistance.donation")
    assert sorted(a.changes["row"] for a in rows) == [2, 3, 4]
    assert AuditLog.objects.filter(action="charity_donations_batch").count() == 2  # one per campaign


def test_any_bad_row_rejects_the_file_and_every_problem_is_listed_by_row(cast, campaigns, tmp_path):
    summer, _ = campaigns
    record_donation(
        actor=cast.users.town,
        campaign=summer,
        donor_type="company",
        donor_name="早先登记",
        amount=Decimal("100"),
        received_on=date(2018, 6, 1),
        receipt_number="OLD-1",
        region=cast.shiqiao,
    )
    sq, st = cast.shiqiao.code, cast.shatou.code
    rows = [
        *good_rows(cast),  # rows 2-4 are good
        ("2018年不存在的活动", "甲公司", "否", "企业", "100", "2018-06-01", "E-5", sq),
        (CAMPAIGN, "乙公司", "否", "企业", "0", "2018-06-01", "E-6", sq),
        (CAMPAIGN, "丙公司", "否", "企业", "100", "2018-10-08", "E-7", sq),
        (CAMPAIGN, "丁公司", "否", "企业", "100", "2018-06-01", "YC-001", sq),
        (CAMPAIGN, "戊公司", "否", "企业", "100", "2018-06-01", "OLD-1", sq),
        (CAMPAIGN, "己公司", "否", "企业", "100", "2018-06-01", "E-10", st),
        (CAMPAIGN, "庚", "否", "外星人", "100", "2018-06-01", "E-11", sq),
        (CAMPAIGN, "", "否", "个人", "100", "2018-06-01", "E-12", sq),
        (CAMPAIGN, "辛", "也许", "个人", "100", "2018-06-31", "E-13", "440113999999"),
        (CAMPAIGN, "壬", "否", "个人", "100", "2018-06-01", "", sq),
    ]
    result = import_dataset("assistance_donations", xlsx(tmp_path, rows), actor=cast.users.town)
    assert not result.ok and result.created == 0
    assert result.errors == [
        "第5行 募捐活动：没有名为“2018年不存在的活动”的募捐活动，请先在后台登记活动",
        "第6行 金额（元）：捐赠金额须大于0",
        "第7行 到账日期：不在活动“2018年广东扶贫济困日”期间（2018-05-01至2018-09-30）",
        "第8行 票据号：“YC-001”与第2行重复",
        "第9行 票据号：“OLD-1”已登记",
        "第10行 接收区划代码：接收镇街/村居不在您的管辖范围内",
        "第11行 捐赠人类别：“外星人”不是可选值，可选：个人、企业、机关团体及社会组织",
        "第12行 捐赠人：请填写捐赠人，或勾选匿名捐赠",
        "第13行 接收区划代码：区划代码“440113999999”不存在或已停用",
        "第13行 匿名捐赠：“也许”应填写“是”或“否”",
        "第13行 到账日期：“2018-06-31”不是有效日期（格式如 2018-01-31）",
        "第14行 票据号：不能为空",
    ]
    assert result.bad_rows == 10
    assert list(Donation.objects.values_list("receipt_number", flat=True)) == ["OLD-1"]
    assert not AuditLog.objects.filter(action="import").exists()


def test_the_command_imports_as_the_given_user_and_fails_loudly(cast, campaigns, tmp_path, capsys):
    path = xlsx(tmp_path, good_rows(cast))
    call_command("import_data", "assistance_donations", str(path), "--user", cast.users.town.username)
    assert Donation.objects.count() == 3
    with pytest.raises(CommandError, match="导入被拒绝"):  # the same file again: every receipt is taken
        call_command("import_data", "assistance_donations", str(path), "--user", cast.users.town.username)
    assert "第2行 票据号：“YC-001”已登记" in capsys.readouterr().err
    assert Donation.objects.count() == 3


def test_a_village_assistant_cannot_import(cast, campaigns, tmp_path):
    with pytest.raises(PermissionDenied):
        import_dataset("assistance_donations", xlsx(tmp_path, good_rows(cast)), actor=cast.users.village)
    assert not Donation.objects.exists()


def test_the_export_is_scoped_and_masks_individual_donors(cast, campaigns, tmp_path):
    rows = [
        *good_rows(cast),
        (CAMPAIGN, "陈大明", "否", "个人", "500", "2018-07-01", "YC-004", cast.shiqiao.code),
        (CAMPAIGN, "沙头商会", "否", "企业", "800", "2018-07-01", "YC-005", cast.shatou.code),
    ]
    assert import_dataset("assistance_donations", xlsx(tmp_path, rows), actor=cast.users.district).ok
    out = BytesIO()
    export_dataset("assistance_donations", out, actor=cast.users.town, fmt="xlsx")
    exported = list(load_workbook(BytesIO(out.getvalue())).worksheets[0].iter_rows(values_only=True))
    assert list(exported[0]) == HEADERS
    by_receipt = {row[6]: row for row in exported[1:]}
    assert set(by_receipt) == {"YC-001", "YC-002", "YC-003", "YC-004"}  # not 沙头's
    assert by_receipt["YC-004"][1] == "陈*明"
    assert by_receipt["YC-001"][1] == "番禺实业有限公司"
    assert by_receipt["YC-002"][2] == "是"
