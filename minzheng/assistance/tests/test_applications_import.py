"""Bulk intake (`assistance_applications`): every row right or nothing written, errors by row."""

import csv
from datetime import date
from decimal import Decimal

from openpyxl import Workbook

from minzheng.assistance.models import Application
from minzheng.assistance.services.applications import submit_application
from minzheng.core.datasets import export_dataset, import_dataset
from minzheng.core.models import AuditLog
from minzheng.registry.models import Person
from minzheng.workflow.models import TransitionRecord

HEADERS = [
    "身份证号码",
    "救助项目",
    "申请日期",
    "申请理由",
    "申报家庭月收入",
    "有近亲属在民政部门工作",
    "近亲属备案说明",
]


def write_csv(tmp_path, rows, name="applications.csv"):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def ids(*names):
    return [Person.objects.get(name=name).id_number for name in names]


def test_a_good_file_takes_in_every_application(cast, programs, tmp_path):
    zhang, wang, kid = ids("张三明", "王五", "张小明")
    path = write_csv(
        tmp_path,
        [
            [zhang, "最低生活保障", "2018-09-28", "无固定收入", "1200", "否", ""],
            [wang, "特困人员救助供养", "2018/10/8", "", "", "是", "侄子在市桥街道民政办工作"],
            [kid, "困境儿童生活补贴", "2018年10月9日", "", "0", "", ""],
        ],
    )
    result = import_dataset("assistance_applications", path, actor=cast.users.town)
    assert result.ok, result.errors
    assert result.created == 3
    apps = {a.person.name: a for a in Application.objects.select_related("person")}
    assert apps["张三明"].number == "DB-2018-000001" and apps["张三明"].household == cast.hh_sq
    assert apps["张三明"].declared_income == Decimal("1200.00") and apps["张三明"].status == "applied"
    assert apps["王五"].number == "TK-2018-000001" and apps["王五"].relative_in_civil_affairs
    assert apps["王五"].household is None and apps["王五"].region == cast.village_sq
    assert apps["张小明"].number == "KJ-2018-000001" and apps["张小明"].deadline is not None
    assert (
        TransitionRecord.objects.filter(case_type="assistance.application", to_status="applied").count() == 3
    )
    assert AuditLog.objects.filter(action="import", object_type="assistance.application").count() == 3
    # the next single intake continues the same sequence
    later = submit_application(
        actor=cast.users.town,
        program="dibao",
        person=Person.objects.get(name="王五"),
        household=cast.hh_sq2,
        applied_on=date(2018, 12, 1),
        reason="",
        declared_income=0,
    )
    assert later.number == "DB-2018-000002"


def test_one_bad_row_rejects_the_file_and_every_error_names_its_row(cast, programs, tmp_path):
    zhang, wang, kid = ids("张三明", "王五", "张小明")
    zhao = cast.zhao.id_number
    path = write_csv(
        tmp_path,
        [
            [zhang, "最低生活保障", "2018-09-28", "", "1200", "否", ""],  # row 2: good
            [zhang, "最低生活保障", "2018-09-29", "", "1200", "否", ""],  # row 3: same as row 2
            [kid, "孤儿基本生活费", "2018-09-28", "", "0", "否", ""],  # row 4: fine (a minor)
            [wang, "重度残疾人护理补贴", "2018-09-28", "", "0", "否", ""],  # row 5: no disability
            [zhao, "最低生活保障", "2018-09-28", "", "0", "否", ""],  # row 6: out of scope
            ["440113199901011234", "救济", "2018-02-30", "", "abc", "也许", ""],  # row 7: all wrong
            [wang, "特困人员救助供养", "2018-09-28", "", "0", "是", ""],  # row 8: note missing
        ],
    )
    result = import_dataset("assistance_applications", path, actor=cast.users.town)
    assert not result.ok and result.created == 0
    text = "\n".join(result.errors)
    assert "第3行 救助项目：与第2行重复（同一人同一项目）" in text
    assert "第5行 身份证号码：王五未登记残疾等级，重度残疾人护理补贴仅限一级、二级重度残疾人" in text
    assert "第6行 身份证号码：申请人的户籍不在您的管辖范围内" in text and "赵六" not in text
    assert "第7行 救助项目：“救济”不是可申请的救助项目" in text
    assert "第7行 申请日期：" in text and "第7行 申报家庭月收入：" in text
    assert "第7行 有近亲属在民政部门工作：“也许”应填“是”或“否”" in text
    assert "第8行 近亲属备案说明：" in text
    assert not any(line.startswith("第2行") or line.startswith("第4行") for line in result.errors)
    assert not Application.objects.exists() and not TransitionRecord.objects.exists()


def test_an_open_application_already_in_the_system_rejects_the_row(cast, programs, tmp_path):
    submit_application(
        actor=cast.users.village,
        program="dibao",
        person=cast.zhang,
        household=cast.hh_sq,
        applied_on=cast.zhang.created_at.date(),
        reason="",
        declared_income=0,
    )
    path = write_csv(tmp_path, [[cast.zhang.id_number, "最低生活保障", "2018-09-28", "", "", "", ""]])
    result = import_dataset("assistance_applications", path, actor=cast.users.town)
    assert result.errors == ["第2行 救助项目：张三明已有一件“最低生活保障”申请正在办理，办结前不能再次申请"]
    assert Application.objects.count() == 1


def test_two_members_of_one_household_in_one_file_reject_the_second_row(cast, programs, tmp_path):
    rows = [[number, "最低生活保障", "2018-09-28", "", "1000", "", ""] for number in ids("张三明", "李四芳")]
    result = import_dataset("assistance_applications", write_csv(tmp_path, rows), actor=cast.users.town)
    assert result.errors == ["第3行 救助项目：与第2行为同一家庭户的同一项目（低保以家庭为单位申请）"]
    assert Application.objects.count() == 0


def test_xlsx_and_masked_export(cast, programs, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append([cast.zhang.id_number, "最低生活保障", "2018-09-28", "家庭困难", 800, "否", None])
    path = tmp_path / "applications.xlsx"
    book.save(path)
    assert import_dataset("assistance_applications", path, actor=cast.users.district).created == 1
    out = tmp_path / "export.csv"
    export_dataset("assistance_applications", out, actor=cast.users.town)
    content = out.read_text(encoding="utf-8-sig")
    assert "最低生活保障" in content and "800.00" in content
    assert cast.zhang.id_number not in content and cast.zhang.masked_id_number in content
