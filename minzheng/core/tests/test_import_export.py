"""All-or-nothing import, masked and scoped export, templates, the commands and the back-office page."""

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from minzheng.accounts.models import User
from minzheng.core.datasets import export_dataset, import_dataset, write_template
from minzheng.core.models import AuditLog, Job
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Household, Membership, Person

PERSON_HEADERS = [
    "身份证号码",
    "姓名",
    "户籍村居代码",
    "联系电话",
    "实际居住村居代码",
    "残疾类别",
    "残疾等级",
    "残疾证号",
    "婚姻状况",
]
HOUSEHOLD_HEADERS = ["户号", "户籍村居代码", "住址", "身份证号码", "与户主关系", "入户日期"]
SQ = "440113007001"  # the cast's village in 市桥
ST = "440113008001"  # the cast's village in 沙头


def new_id(seq: int, born: date = date(1985, 6, 15)) -> str:
    return make_id_number("440113", born, seq)


def bad_check(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def person_row(seq, name="陈大文", region=SQ, phone="13912345678", **extra):
    row = {"身份证号码": new_id(seq), "姓名": name, "户籍村居代码": region, "联系电话": phone}
    row.update(extra)
    return row


def write_file(tmp_path, headers, rows, fmt="csv", name="data", encoding="utf-8-sig"):
    path = tmp_path / f"{name}.{fmt}"
    if fmt == "csv":
        with open(path, "w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            for row in rows:
                writer.writerow([row.get(h, "") for h in headers])
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h, None) for h in headers])
        workbook.save(path)
    return path


def read_export(path):
    if path.suffix == ".csv":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
        return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    workbook = load_workbook(path, read_only=True)
    return [
        [("" if v is None else str(v)) for v in row]
        for row in workbook.worksheets[0].iter_rows(values_only=True)
    ]


# --- persons --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_good_persons_file_imports_every_row(cast, tmp_path, fmt):
    rows = [
        person_row(
            101,
            "陈大文",
            残疾类别="肢体残疾",
            残疾等级="二级",
            残疾证号="44011319850615101142",
            婚姻状况="已婚",
        ),
        person_row(102, "林小红", phone="", 实际居住村居代码=ST),
        person_row(103, "欧阳明", 婚姻状况="未婚"),
    ]
    path = write_file(tmp_path, PERSON_HEADERS, rows, fmt)
    before = Person.objects.count()

    result = import_dataset("persons", path, actor=cast.users.town)

    assert result.ok, result.errors
    assert result.created == 3 and result.rows == 3
    assert Person.objects.count() == before + 3
    chen = Person.objects.get(id_number=new_id(101))
    assert (chen.name, chen.id_tail, chen.name_initials) == ("陈大文", new_id(101)[-6:], "cdw")
    assert chen.birth_date == date(1985, 6, 15) and chen.sex == "M"
    assert (chen.disability_category, chen.disability_grade, chen.marital_status) == (
        "physical",
        2,
        "married",
    )
    assert chen.region == cast.village_sq
    lin = Person.objects.get(id_number=new_id(102))
    assert lin.residence_region == cast.village_st and lin.phone == "" and lin.marital_status == "unknown"
    audits = AuditLog.objects.filter(action="import", object_type="registry.person", actor=cast.users.town)
    assert audits.count() == 3
    assert audits.get(object_id=str(chen.pk)).changes["row"] == 2


def test_two_bad_rows_import_nothing_and_both_are_listed(cast, tmp_path):
    rows = [
        person_row(111),
        person_row(112, 身份证号码=bad_check(new_id(112))),
        person_row(113),
        person_row(114, phone="12345"),
        person_row(115),
    ]
    path = write_file(tmp_path, PERSON_HEADERS, rows)
    before = Person.objects.count()

    result = import_dataset("persons", path, actor=cast.users.town)

    assert not result.ok
    assert result.created == 0 and result.bad_rows == 2
    assert "第3行 身份证号码：校验位不正确，请核对号码" in result.errors
    assert any(e.startswith("第5行 联系电话：") and "格式不正确" in e for e in result.errors)
    assert len(result.errors) == 2
    assert Person.objects.count() == before
    assert not AuditLog.objects.filter(action="import").exists()


def test_every_bad_cell_of_a_row_is_reported(cast, tmp_path):
    rows = [person_row(121, name="", region="440113007999", 残疾等级="五级", 婚姻状况="同居")]
    result = import_dataset("persons", write_file(tmp_path, PERSON_HEADERS, rows), actor=cast.users.town)
    text = "\n".join(result.errors)
    assert "第2行 姓名：不能为空" in text
    assert "第2行 户籍村居代码：区划代码“440113007999”不存在或已停用" in text
    assert "第2行 婚姻状况：“同居”不是可选值" in text
    assert "第2行 残疾等级：应为1至4级" in text


def test_duplicates_inside_the_file_and_against_the_register(cast, tmp_path):
    rows = [
        person_row(131),
        person_row(131, name="陈二文"),
        {"身份证号码": cast.zhang.id_number, "姓名": "张三明", "户籍村居代码": SQ},
    ]
    result = import_dataset("persons", write_file(tmp_path, PERSON_HEADERS, rows), actor=cast.users.town)

    assert "第3行 身份证号码：与第2行重复" in result.errors
    registered = [e for e in result.errors if e.startswith("第4行 身份证号码：已登记")]
    assert registered and "张*明" in registered[0] and cast.zhang.id_number not in registered[0]
    assert not Person.objects.filter(id_number=new_id(131)).exists()


def test_region_outside_the_users_scope_is_refused(cast, tmp_path):
    path = write_file(tmp_path, PERSON_HEADERS, [person_row(141, region=cast.village_sq.code)])
    result = import_dataset("persons", path, actor=cast.users.town_other)
    assert result.errors == [
        f"第2行 户籍村居代码：“{cast.village_sq.name}”（440113007001）不在您的管辖范围内"
    ]
    assert not Person.objects.filter(id_number=new_id(141)).exists()


def test_region_must_be_a_village_code(cast, tmp_path):
    path = write_file(tmp_path, PERSON_HEADERS, [person_row(142, region="440113007000")])
    result = import_dataset("persons", path, actor=cast.users.district)
    assert result.errors == [
        "第2行 户籍村居代码：“440113007000”是市桥街道的代码，应填写村（居）委会的12位代码"
    ]


def test_header_missing_a_required_column(cast, tmp_path):
    path = write_file(tmp_path, ["姓名", "户籍村居代码"], [{"姓名": "王一", "户籍村居代码": SQ}])
    result = import_dataset("persons", path, actor=cast.users.town)
    assert result.errors == ["第1行 表头缺少必填列：身份证号码（请使用下载的模板）"]


def test_gb18030_csv_and_numeric_id_cells(cast, tmp_path):
    path = write_file(tmp_path, PERSON_HEADERS, [person_row(151, "黄丽")], encoding="gb18030")
    assert import_dataset("persons", path, actor=cast.users.town).created == 1

    number = new_id(152)
    workbook = Workbook()
    workbook.active.append(PERSON_HEADERS)
    workbook.active.append([float(number[:17] + "0"), "黄明", SQ])  # Excel stored it as a number
    xlsx = tmp_path / "numeric.xlsx"
    workbook.save(xlsx)
    result = import_dataset("persons", xlsx, actor=cast.users.town)
    assert len(result.errors) == 1 and "设为文本格式" in result.errors[0]


def test_import_needs_the_import_right(cast, tmp_path):
    path = write_file(tmp_path, PERSON_HEADERS, [person_row(161)])
    with pytest.raises(PermissionDenied):
        import_dataset("persons", path, actor=cast.users.village)


def test_lookups_are_per_chunk_not_per_row(cast, tmp_path):
    small = write_file(tmp_path, PERSON_HEADERS, [person_row(200 + i) for i in range(3)], name="small")
    large = write_file(tmp_path, PERSON_HEADERS, [person_row(300 + i) for i in range(60)], name="large")
    counts = []
    for path in (small, large):
        actor = User.objects.get(pk=cast.users.district.pk)
        with CaptureQueriesContext(connection) as queries:
            assert import_dataset("persons", path, actor=actor).ok
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- households -----------------------------------------------------------------------------


def _register_persons(cast, tmp_path, seqs):
    rows = [person_row(seq, name=f"何{'一二三四五六七八九十'[i]}") for i, seq in enumerate(seqs)]
    result = import_dataset(
        "persons", write_file(tmp_path, PERSON_HEADERS, rows, name="p"), actor=cast.users.town
    )
    assert result.ok, result.errors


def test_households_file_creates_households_with_members(cast, tmp_path):
    _register_persons(cast, tmp_path, [401, 402, 403, 404])
    rows = [
        {
            "户号": "SQ-0101",
            "户籍村居代码": SQ,
            "住址": "市桥街十号",
            "身份证号码": new_id(401),
            "与户主关系": "户主",
            "入户日期": "2010-05-01",
        },
        {"户号": "SQ-0101", "身份证号码": new_id(402), "与户主关系": "配偶", "入户日期": "2010/5/1"},
        {"户号": "SQ-0101", "身份证号码": new_id(403), "与户主关系": "子女"},
        {
            "户号": "SQ-0102",
            "户籍村居代码": SQ,
            "身份证号码": new_id(404),
            "与户主关系": "户主",
            "入户日期": "20120101",
        },
    ]
    result = import_dataset(
        "households", write_file(tmp_path, HOUSEHOLD_HEADERS, rows, "xlsx"), actor=cast.users.town
    )

    assert result.ok, result.errors
    assert result.created == 2
    household = Household.objects.get(number="SQ-0101")
    assert household.head.id_number == new_id(401)
    assert (household.region, household.address) == (cast.village_sq, "市桥街十号")
    members = {m.person.id_number: m for m in household.memberships.select_related("person")}
    assert set(members) == {new_id(401), new_id(402), new_id(403)}
    assert members[new_id(402)].relation == "spouse" and members[new_id(402)].valid_from == date(2010, 5, 1)
    assert Household.objects.get(number="SQ-0102").memberships.get().valid_from == date(2012, 1, 1)
    assert AuditLog.objects.filter(action="import", object_type="registry.household").count() == 2


def test_household_without_a_head_is_refused(cast, tmp_path):
    _register_persons(cast, tmp_path, [411, 412])
    rows = [
        {"户号": "SQ-0201", "户籍村居代码": SQ, "身份证号码": new_id(411), "与户主关系": "配偶"},
        {"户号": "SQ-0201", "户籍村居代码": SQ, "身份证号码": new_id(412), "与户主关系": "子女"},
    ]
    result = import_dataset(
        "households", write_file(tmp_path, HOUSEHOLD_HEADERS, rows), actor=cast.users.town
    )
    assert result.errors == ["第2行 与户主关系：户号“SQ-0201”没有户主，每户须有且只有一名户主"]
    assert not Household.objects.filter(number="SQ-0201").exists()


def test_household_members_must_exist_be_free_and_appear_once(cast, tmp_path):
    _register_persons(cast, tmp_path, [421, 422])
    rows = [
        {"户号": "SQ-0301", "户籍村居代码": SQ, "身份证号码": new_id(421), "与户主关系": "户主"},
        {"户号": "SQ-0301", "身份证号码": new_id(422), "与户主关系": "户主"},
        {"户号": "SQ-0301", "身份证号码": new_id(421), "与户主关系": "子女"},
        {"户号": "SQ-0301", "身份证号码": cast.zhang.id_number, "与户主关系": "父母"},
        {"户号": "SQ-0301", "身份证号码": new_id(429), "与户主关系": "子女"},
        {"户号": "SQ-0001", "户籍村居代码": SQ, "身份证号码": cast.zhao.id_number, "与户主关系": "户主"},
    ]
    result = import_dataset(
        "households", write_file(tmp_path, HOUSEHOLD_HEADERS, rows), actor=cast.users.town
    )
    text = "\n".join(result.errors)
    assert "第3行 与户主关系：户号“SQ-0301”已有户主（第2行），每户只能有一名户主" in text
    assert "第4行 身份证号码：与第2行重复（每人只能出现一次）" in text
    assert "第5行 身份证号码：张三明已是家庭户SQ-0001的成员，请先办理离户" in text
    assert "第6行 身份证号码：未找到该号码的人员" in text
    assert "第7行 户号：“SQ-0001”已存在" in text
    assert "第7行 身份证号码：未找到该号码的人员" in text  # 赵六 is in 沙头, outside the user's scope
    assert not Membership.objects.filter(person__id_number=new_id(421)).exists()


# --- export ---------------------------------------------------------------------------------


def test_export_is_masked_unless_asked_and_allowed(cast, tmp_path):
    masked_path = tmp_path / "masked.xlsx"
    result = export_dataset("persons", masked_path, actor=cast.users.district)
    rows = read_export(masked_path)
    assert rows[0] == PERSON_HEADERS
    zhang = next(r for r in rows if r[1] == "张三明")
    assert zhang[0] == cast.zhang.masked_id_number and zhang[3] == "138****8000"
    assert result.masked and result.rows == len(rows) - 1

    with pytest.raises(PermissionDenied):
        export_dataset("persons", tmp_path / "town.csv", actor=cast.users.town, unmasked=True)

    full_path = tmp_path / "full.csv"
    export_dataset("persons", full_path, actor=cast.users.district, unmasked=True)
    zhang = next(r for r in read_export(full_path) if r[1] == "张三明")
    assert zhang[0] == cast.zhang.id_number and zhang[3] == "13800138000"

    audits = list(AuditLog.objects.filter(action="export", actor=cast.users.district).order_by("id"))
    assert [a.changes["masked"] for a in audits] == [True, False]
    assert audits[0].changes["dataset"] == "persons" and audits[0].changes["rows"] == result.rows
    assert not AuditLog.objects.filter(action="export", actor=cast.users.town).exists()


def test_export_is_limited_to_the_users_scope(cast, tmp_path):
    path = tmp_path / "st.csv"
    export_dataset("persons", path, actor=cast.users.town_other)
    names = {r[1] for r in read_export(path)[1:]}
    assert "赵六" in names
    assert not names & {"张三明", "李四芳", "张小明", "王五"}

    path = tmp_path / "hh.csv"
    export_dataset("households", path, actor=cast.users.town)
    rows = read_export(path)
    assert rows[0] == HOUSEHOLD_HEADERS
    assert {r[0] for r in rows[1:]} == {"SQ-0001", "SQ-0002"}
    assert rows[1][4] == "户主"


def test_template_has_the_headers_and_instructions(cast, tmp_path):
    path = tmp_path / "t.xlsx"
    write_template("persons", path)
    workbook = load_workbook(path)
    assert [c.value for c in workbook.worksheets[0][1]] == PERSON_HEADERS
    notes = [[c.value for c in row] for row in workbook.worksheets[1].iter_rows()]
    by_column = {row[0]: row for row in notes if row and row[0] in PERSON_HEADERS}
    assert by_column["身份证号码"][1] == "必填" and by_column["联系电话"][1] == "选填"
    assert "已婚" in by_column["婚姻状况"][3]

    call_command("import_data", "households", "--template", str(tmp_path / "h.xlsx"), stdout=io.StringIO())
    assert [c.value for c in load_workbook(tmp_path / "h.xlsx").worksheets[0][1]] == HOUSEHOLD_HEADERS


# --- commands -------------------------------------------------------------------------------


def test_command_exits_non_zero_and_lists_bad_rows(cast, tmp_path):
    rows = [person_row(501), person_row(502, 身份证号码=bad_check(new_id(502))), person_row(503, phone="abc")]
    path = write_file(tmp_path, PERSON_HEADERS, rows)
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_data", "persons", str(path), "--user", "cast_town", stderr=stderr)
    lines = stderr.getvalue().splitlines()
    assert lines[0] == "第3行 身份证号码：校验位不正确，请核对号码"
    assert lines[1].startswith("第4行 联系电话：")
    assert not Person.objects.filter(id_number=new_id(501)).exists()


def test_commands_import_list_and_export(cast, tmp_path):
    out = io.StringIO()
    call_command("import_data", "--list", stdout=out)
    assert "persons" in out.getvalue() and "households" in out.getvalue()

    path = write_file(tmp_path, PERSON_HEADERS, [person_row(511), person_row(512, "周六")])
    out = io.StringIO()
    call_command("import_data", "persons", str(path), stdout=out)  # as the first superuser
    assert "新增2条" in out.getvalue()

    out = io.StringIO()
    call_command("export_data", "persons", str(tmp_path / "o.csv"), "--user", "cast_town", stdout=out)
    assert "脱敏" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("export_data", "persons", str(tmp_path / "o.csv"), "--user", "cast_town", "--unmasked")


# --- back office ----------------------------------------------------------------------------


def test_back_office_import_runs_a_job(cast, client, tmp_path, django_capture_on_commit_callbacks, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(cast.users.town)
    page = client.get(reverse("backoffice:import"))
    assert page.status_code == 200 and "下载模板" in page.content.decode()

    path = write_file(tmp_path, PERSON_HEADERS, [person_row(601), person_row(602, "郑七")], "xlsx")
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as handle:
        response = client.post(reverse("backoffice:import"), {"dataset": "persons", "file": handle})
    job = Job.objects.get(kind="import_data")
    assert response.status_code == 302 and response.url == reverse("backoffice:job", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.progress == 100
    assert job.result["created"] == 2 and job.result["errors"] == []
    assert Person.objects.filter(id_number__in=[new_id(601), new_id(602)]).count() == 2
    assert not list((tmp_path / "media" / "imports").iterdir())  # the upload is not kept


def test_back_office_import_job_reports_errors(
    cast, client, tmp_path, django_capture_on_commit_callbacks, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(cast.users.town)
    path = write_file(tmp_path, PERSON_HEADERS, [person_row(611), person_row(612, 身份证号码="123")])
    with django_capture_on_commit_callbacks(execute=True), open(path, "rb") as handle:
        client.post(reverse("backoffice:import"), {"dataset": "persons", "file": handle})
    job = Job.objects.get(kind="import_data")
    assert job.status == Job.Status.FAILED and job.result["created"] == 0
    assert job.result["errors"] == ["第3行 身份证号码：长度应为18位，当前为3位"]
    assert not Person.objects.filter(id_number=new_id(611)).exists()


def test_back_office_pages_check_login_and_rights(cast, client):
    response = client.get(reverse("backoffice:import"))
    assert response.status_code == 302 and "login" in response.url
    client.force_login(cast.users.village)  # may export, may not import
    assert 'id="import-form"' not in client.get(reverse("backoffice:import")).content.decode()
    client.force_login(cast.users.socialorg)
    assert client.get(reverse("backoffice:import")).status_code == 302
    client.force_login(cast.users.village)
    assert client.get(reverse("backoffice:import-template", args=["persons"])).status_code == 403
    client.force_login(cast.users.town)
    template = client.get(reverse("backoffice:import-template", args=["persons"]))
    assert template.status_code == 200 and template["Content-Disposition"].startswith("attachment")
    assert client.get(reverse("backoffice:import-template", args=["nothing"])).status_code == 404


def test_back_office_export_is_masked_by_default(cast, client):
    client.force_login(cast.users.town)
    response = client.get(reverse("backoffice:export", args=["persons"]), {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert cast.zhang.masked_id_number in text and cast.zhang.id_number not in text
    assert "赵六" not in text
    assert client.get(reverse("backoffice:export", args=["persons"]), {"unmasked": "1"}).status_code == 403
    client.force_login(cast.users.district)
    response = client.get(reverse("backoffice:export", args=["persons"]), {"unmasked": "1"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].values)
    assert cast.zhang.id_number in {r[0] for r in rows}


def test_exported_text_never_becomes_a_formula(cast, tmp_path):
    from minzheng.registry.services import create_household, register_person

    person = register_person(
        actor=cast.users.town, id_number=new_id(701), name="吴八", region=cast.village_sq
    )
    create_household(
        actor=cast.users.town, region=cast.village_sq, head=person, address="=1+2", number="SQ-0701"
    )
    export_dataset("households", tmp_path / "h.xlsx", actor=cast.users.town)
    sheet = load_workbook(tmp_path / "h.xlsx").worksheets[0]
    cell = next(row[2] for row in sheet.iter_rows() if row[0].value == "SQ-0701")
    assert (cell.value, cell.data_type) == ("=1+2", "s")
    export_dataset("households", tmp_path / "h.csv", actor=cast.users.town)
    assert next(r for r in read_export(tmp_path / "h.csv") if r[0] == "SQ-0701")[2] == "'=1+2"


def test_export_only_roles_see_the_exports_but_cannot_upload(client, cast):
    client.force_login(cast.users.leader)
    body = client.get("/backoffice/import/").content.decode()
    assert "导出 CSV（脱敏）" in body and 'id="import-form"' not in body
    assert client.post("/backoffice/import/", {"dataset": "persons"}).status_code == 403
