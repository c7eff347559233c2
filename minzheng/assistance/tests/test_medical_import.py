"""Bulk approval of medical claims (import_claims, the XLSX data set): the same result as one
claim at a time in order of visit date, all or nothing, row-numbered errors, the template.

Standards: 市桥街道 80 % above a deductible of 100 元, cap 2,000 元 a year (张三明, 李四芳, 王五);
the district 70 %, no deductible (赵六).
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from openpyxl import Workbook, load_workbook

from minzheng.assistance.models import MedicalClaim
from minzheng.assistance.services.medical import approve_claim, import_claims
from minzheng.benefits.models import Entitlement
from minzheng.benefits.services import set_standard
from minzheng.core.datasets import import_dataset
from minzheng.core.models import AuditLog
from minzheng.core.months import Month
from minzheng.registry.models import Person

HEADERS = ["身份证号码", "就诊日期", "医院", "就诊类别", "医疗总费用", "医保支付", "其他支付", "诊断类别"]


@pytest.fixture
def standards(cast, programs):
    set_standard(
        actor=cast.users.district,
        scheme=programs.medical,
        region=cast.shiqiao,
        valid_from=Month(2018, 1),
        document="桥民〔2018〕7号（测试）",
        params={"ratio": "0.8", "deductible": "100", "annual_cap": "2000"},
    )
    return programs


def person(name):
    return Person.objects.get(name=name)


def rows_for_file():
    """(name, visit date, hospital, type, total, insurance, other), deliberately not in date order."""
    return [
        ("张三明", date(2018, 5, 2), "番禺区中心医院", "住院", "1500", "400", "100"),  # 1000 → 720
        ("张三明", date(2018, 3, 9), "市桥医院", "门诊", "700", "100", ""),  # 600 → 400 (first in date)
        ("李四芳", date(2018, 4, 1), "番禺区中心医院", "住院", "5000", "2000", "0"),  # 3000 → 2320, cap 2000
        ("张三明", date(2018, 7, 1), "市桥医院", "门诊特定病种（慢性病）", "300", "0", "0"),  # cap used up: 0
        ("王五", date(2018, 6, 6), "市桥医院", "outpatient", "50", "0", "0"),  # below the deductible
        ("赵六", date(2018, 2, 2), "沙头卫生院", "门诊", "333.33", "0", "0"),  # 70 %: 233.33
        ("张三明", date(2018, 8, 1), "市桥医院", "门诊", "200", "0", "0"),  # cap used up: 0
        ("张三明", date(2019, 1, 5), "市桥医院", "门诊", "600", "0", "0"),  # a new year: 400
        ("张三明", date(2018, 5, 2), "市桥医院", "门诊", "1500", "400", "100"),  # same day: 720, 80 left
    ]


def as_input(rows):
    return [
        {
            "row": index + 2,
            "id_number": person(name).id_number,
            "visit_date": day,
            "hospital": hospital,
            "visit_type": kind,
            "total_cost": total,
            "insurance_paid": insurance,
            "other_paid": other,
        }
        for index, (name, day, hospital, kind, total, insurance, other) in enumerate(rows)
    ]


VISIT_TYPES = {"住院": "inpatient", "门诊": "outpatient", "门诊特定病种（慢性病）": "chronic"}


def _number(text: str) -> str:
    return str(Decimal(text).normalize())


def normal(trace: dict) -> dict:
    """Amounts compared as numbers: on SQLite the engine's sum of earlier claims prints 1520 (and
    what is left of the cap 80) where PostgreSQL prints 1520.00 (80.00); the values are equal."""
    out = dict(trace)
    out["used_before"] = _number(out["used_before"])
    out["amount"] = _number(out["amount"])
    out["formula"] = re.sub(r"\d+(?:\.\d+)?", lambda m: _number(m.group()), out["formula"])
    return out


def snapshot(claims):
    result = []
    for c in sorted(claims, key=lambda c: (c.visit_date, c.hospital)):
        e = c.entitlement
        periods = [(p.from_month, p.to_month, p.amount, normal(p.trace)) for p in e.periods.all()]
        result.append(
            (
                c.person_id,
                c.region_id,
                c.visit_date,
                c.hospital,
                c.visit_type,
                c.out_of_pocket,
                c.reimbursed,
                c.capped,
                c.cap_note,
                c.status,
                e.scheme_id,
                e.region_id,
                e.start_month,
                e.end_month,
                e.status,
                e.fixed_amount,
                e.monthly_amount,
                e.recurring,
                normal(e.trace),
                periods,
            )
        )
    return result


class Rollback(Exception):
    pass


def test_bulk_import_equals_one_claim_at_a_time(cast, standards):
    earlier = approve_claim(  # already reimbursed this year before the file: (1100 − 100) × 0.8 = 800
        actor=cast.users.district,
        person=cast.zhang,
        visit_date=date(2018, 1, 15),
        hospital="番禺区中心医院",
        visit_type="inpatient",
        total_cost=Decimal("1100"),
        insurance_paid=Decimal("0"),
    )
    rows = rows_for_file()
    before = set(MedicalClaim.objects.values_list("pk", flat=True))
    with pytest.raises(Rollback), transaction.atomic():
        outcome = import_claims(as_input(rows), actor=cast.users.district)
        bulk = snapshot(MedicalClaim.objects.exclude(pk__in=before).select_related("entitlement"))
        audits = AuditLog.objects.filter(action="approve_medical_claim").exclude(object_id=str(earlier.pk))
        assert audits.count() == len(rows)
        assert (
            AuditLog.objects.filter(action="grant", object_type="benefits.entitlement").count()
            == len(rows) + 1
        )
        raise Rollback
    assert MedicalClaim.objects.count() == 1  # rolled back
    ordered = sorted(enumerate(rows), key=lambda item: (item[1][1], item[0]))
    one_by_one = [
        approve_claim(
            actor=cast.users.district,
            person=person(name),
            visit_date=day,
            hospital=hospital,
            visit_type=VISIT_TYPES.get(kind, kind),
            total_cost=Decimal(total),
            insurance_paid=Decimal(insurance),
            other_paid=Decimal(other or "0"),
        )
        for _, (name, day, hospital, kind, total, insurance, other) in ordered
    ]
    single = snapshot(MedicalClaim.objects.filter(pk__in=[c.pk for c in one_by_one]))
    assert len(bulk) == len(single) == len(rows)
    for got, expected in zip(bulk, single, strict=True):
        for index, (a, b) in enumerate(zip(got, expected, strict=True)):
            assert a == b, (index, got[:4])
    by_row = {(c.person.name, c.visit_date, c.hospital): c for c in one_by_one}
    assert by_row[("张三明", date(2018, 5, 2), "番禺区中心医院")].reimbursed == Decimal("720.00")
    assert by_row[("张三明", date(2018, 5, 2), "市桥医院")].reimbursed == Decimal("80.00")  # cap reached
    assert by_row[("张三明", date(2018, 7, 1), "市桥医院")].reimbursed == Decimal("0.00")
    assert by_row[("张三明", date(2018, 8, 1), "市桥医院")].reimbursed == Decimal("0.00")
    assert by_row[("李四芳", date(2018, 4, 1), "番禺区中心医院")].reimbursed == Decimal("2000.00")
    assert by_row[("张三明", date(2019, 1, 5), "市桥医院")].reimbursed == Decimal("400.00")
    assert outcome.claims == len(rows) and outcome.capped == 4
    assert outcome.reimbursed == sum((c.reimbursed for c in one_by_one), Decimal("0"))


def test_a_bad_row_rejects_the_whole_set_and_names_the_row(cast, standards):
    rows = as_input(rows_for_file())
    rows[1]["insurance_paid"] = "900"  # row 3: more than the total of 700
    rows[3]["id_number"] = "440113199001011234"  # row 5: bad check digit
    rows[5]["visit_date"] = "2018-02-30"  # row 7
    rows.append(dict(rows[0], row=11))  # row 11 repeats row 2
    with pytest.raises(ValidationError) as error:
        import_claims(rows, actor=cast.users.district)
    messages = error.value.messages
    assert messages[0] == "第3行 医保支付：与其他支付之和（900.00元）超过医疗总费用（700.00元）"
    assert messages[1] == "第5行 身份证号码：校验位不正确，请核对号码"
    assert messages[2].startswith("第7行 就诊日期：")
    assert messages[3] == "第11行 就诊日期：与第2行重复（同一人同日同医院同类别同金额）"
    assert len(messages) == 4
    assert not MedicalClaim.objects.exists()
    assert not Entitlement.objects.filter(scheme=standards.medical).exists()
    assert not AuditLog.objects.filter(action__in=["grant", "approve_medical_claim"]).exists()


def test_import_refuses_claims_already_approved_and_persons_out_of_scope(cast, standards):
    rows = as_input(rows_for_file()[:2])
    import_claims(rows[:1], actor=cast.users.district)
    with pytest.raises(ValidationError) as error:
        import_claims(rows, actor=cast.users.district)
    assert error.value.messages == ["第2行 就诊日期：该次就诊已核准报销，不能重复报销"]
    outside = dict(rows[1], id_number=cast.zhao.id_number, row=2)
    from minzheng.accounts.models import User

    officer = User.objects.create(username="medical_sq", role="district", scope=cast.shiqiao)
    with pytest.raises(ValidationError) as error:
        import_claims([outside], actor=officer)
    assert error.value.messages == [
        "第2行 身份证号码：未找到该号码的人员（或不在您的管辖范围内），请先登记人员"
    ]


def write_xlsx(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_data_set_imports_all_or_nothing(cast, standards, tmp_path):
    zhang, zhao = cast.zhang.id_number, cast.zhao.id_number
    bad = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            [zhang, "2018-03-05", "市桥医院", "门诊", "700", "100", "", "高血压"],
            [zhao, "2018-13-01", "沙头卫生院", "牙科", "abc", "0", "0", ""],
        ],
    )
    result = import_dataset("assistance_medical_claims", bad, actor=cast.users.district)
    assert not result.ok and result.bad_rows == 1
    assert any(line.startswith("第3行 就诊日期：") for line in result.errors)
    assert "第3行 就诊类别：“牙科”不是可选值，可选：门诊、住院、门诊特定病种（慢性病）" in result.errors
    assert "第3行 医疗总费用：“abc”不是有效金额" in result.errors
    assert not MedicalClaim.objects.exists()
    good = write_xlsx(
        tmp_path / "good.xlsx",
        [
            [zhang, "2018-03-05", "市桥医院", "门诊", "700", "100", "", "高血压"],
            [zhao, "2018/3/6", "沙头卫生院", "住院", 1000, 300.5, 0, ""],
        ],
    )
    result = import_dataset("assistance_medical_claims", good, actor=cast.users.district)
    assert result.ok, result.errors
    assert result.created == 2
    claims = {c.person_id: c for c in MedicalClaim.objects.all()}
    assert claims[cast.zhang.pk].reimbursed == Decimal("400.00")  # (600 − 100) × 0.8
    assert claims[cast.zhao.pk].reimbursed == Decimal("489.65")  # 699.50 × 0.7 = 489.65
    assert claims[cast.zhang.pk].diagnosis == "高血压"


def test_template_download(tmp_path):
    out = tmp_path / "x.xlsx"
    call_command("import_data", "assistance_medical_claims", "--template", str(out))
    sheet = load_workbook(out).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS


def test_export_masks_the_id_number_and_leaves_out_the_diagnosis(cast, standards, tmp_path):
    import csv

    from minzheng.core.datasets import export_dataset

    import_claims(
        [
            {
                "id_number": cast.zhang.id_number,
                "visit_date": date(2018, 3, 5),
                "hospital": "市桥医院",
                "visit_type": "门诊",
                "total_cost": "700",
                "insurance_paid": "100",
                "diagnosis": "高血压",
            }
        ],
        actor=cast.users.district,
    )

    def exported(unmasked):
        out = tmp_path / f"claims{unmasked}.csv"
        export_dataset("assistance_medical_claims", out, actor=cast.users.district, unmasked=unmasked)
        with open(out, encoding="utf-8-sig") as handle:
            return list(csv.reader(handle))

    header, row = exported(False)
    assert header == HEADERS
    assert row[0] == cast.zhang.masked_id_number and row[7] == "" and row[3] == "门诊"
    assert exported(True)[1][7] == "高血压"
