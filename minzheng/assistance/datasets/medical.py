"""Data set `assistance_medical_claims`: a hospital's or the insurance office's list of visits,
approved for medical assistance in bulk (all or nothing).

Validation and writing are the two halves of `services.medical_import.import_claims`: every row
is checked (row-numbered Chinese errors, nothing written if any row is bad), then the claims are
reimbursed in order of visit date with each person's annual cap, and written set-based.
Exports mask the ID number and leave out the diagnosis (health data) unless unmasked.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from minzheng.core.datasets import Column, Dataset, ImportErrors, Progress, register_dataset
from minzheng.core.masking import mask_id_number
from minzheng.registry.idnumbers import id_facts

from ..models import MedicalClaim, VisitType
from ..services.medical_import import ClaimRow, plan_claims, write_claims


def _valid_id(value: str) -> bool:
    try:
        id_facts(value)
    except ValidationError:
        return False
    return True


MONEY = "金额（元），最多两位小数，不含千分位以外的符号"


@register_dataset
class MedicalClaimsDataset(Dataset):
    name = "assistance_medical_claims"
    title = "医疗救助报销"
    description = (
        "每行一次就诊。个人自付 = 医疗总费用 − 医保支付 − 其他支付；救助金额按就诊月份适用的"
        "医疗救助标准（救助比例、起付线、年度封顶线）计算，同一人按就诊日期先后累计年度封顶。"
        "同一人同日同医院同类别同金额的就诊只能报销一次。"
    )
    model = MedicalClaim
    chunk_size = 1000
    columns = (
        Column(
            "身份证号码",
            "id_number",
            required=True,
            format="18位居民身份证号码，须为已登记人员；请将单元格设为文本格式",
            example="440113196005010113",
            width=22,
        ),
        Column(
            "就诊日期",
            "visit_date",
            required=True,
            format="如 2018-03-05；不能晚于今天",
            example="2018-03-05",
        ),
        Column(
            "医院",
            "hospital",
            required=True,
            format="最多100个字",
            example="番禺区中心医院",
            text=False,
            width=24,
        ),
        Column(
            "就诊类别",
            "visit_type",
            required=True,
            choices=tuple(str(label) for label in VisitType.labels),
            example=str(VisitType.INPATIENT.label),
            text=False,
        ),
        Column(
            "医疗总费用",
            "total_cost",
            required=True,
            format=MONEY + "；须大于0",
            example="12000.00",
            text=False,
        ),
        Column("医保支付", "insurance_paid", required=True, format=MONEY, example="8000.00", text=False),
        Column("其他支付", "other_paid", format=MONEY + "；不填为0", example="0", text=False),
        Column(
            "诊断类别", "diagnosis", format="可不填；属健康信息，列表和导出中不显示", example="", text=False
        ),
    )

    def validate(self, rows, *, actor, errors: ImportErrors, progress: Progress):
        def claim_rows():
            done = 0
            for row in rows:
                done += 1
                if done % 1000 == 0:
                    progress(done, f"已校验{done}行" if done % 10_000 == 0 else "")
                if "id_number" in row.numeric and not _valid_id(row["id_number"]):
                    errors.add(
                        row.number, "id_number", "单元格是数字格式，长号码会丢失末几位数字，请设为文本格式"
                    )
                    continue
                yield ClaimRow(
                    row=row.number,
                    id_number=row["id_number"],
                    visit_date=row["visit_date"],
                    hospital=row["hospital"],
                    visit_type=row["visit_type"],
                    total_cost=row["total_cost"],
                    insurance_paid=row["insurance_paid"],
                    other_paid=row["other_paid"],
                    diagnosis=row["diagnosis"],
                )

        return plan_claims(claim_rows(), actor=actor, add_error=errors.add)

    def write(self, plan, *, actor, source: dict, progress: Progress) -> int:
        outcome = write_claims(plan, actor=actor)
        progress(outcome.claims, f"已核准{outcome.claims}次就诊，救助金额合计{outcome.reimbursed}元")
        return outcome.claims

    def export_queryset(self):
        return MedicalClaim.objects.select_related("person").order_by("visit_date", "id")

    def export_row(self, obj: MedicalClaim, *, masked: bool) -> list:
        return [
            mask_id_number(obj.person.id_number) if masked else obj.person.id_number,
            obj.visit_date.isoformat(),
            obj.hospital,
            obj.get_visit_type_display(),
            obj.total_cost,
            obj.insurance_paid,
            obj.other_paid,
            "" if masked else obj.diagnosis,
        ]
