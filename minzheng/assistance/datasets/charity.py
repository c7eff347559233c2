"""Data set `assistance_donations`: the donations a 镇街 or the district received, from a list kept
by the charity office or the bank (all or nothing).

Each row is one donation to a named campaign. The rules are `services.charity`'s own
(`check_donations`: within the campaign's dates, positive amount, a donor unless anonymous, a
receipt number no other donation has, a receiving region in the user's scope); what is added
here is reading the cells (campaign by name, region by code, dates, 是/否) and the receipt
numbers repeated across campaigns in one file. A good file is written by `record_donations`,
one batch per campaign, in the import's single transaction, with one audit row per donation.
Exports mask the names of individual donors (companies and organisations are shown).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from minzheng.core.datasets import (
    Column,
    Dataset,
    ImportErrors,
    Progress,
    Row,
    check_lengths,
    choice_lookup,
    import_audit_rows,
    parse_date,
    register_dataset,
)
from minzheng.core.masking import mask_name
from minzheng.registry.models import Region

from ..models.charity import CharityCampaign, Donation
from ..services.charity import DonationRow, check_donations, record_donations

YES = {"是", "匿名", "Y", "YES", "TRUE", "1"}
NO = {"否", "", "N", "NO", "FALSE", "0"}
DONOR_TYPES = choice_lookup(Donation.DonorType)


@dataclass
class Plan:
    """The checked rows, grouped by campaign (in file order)."""

    batches: dict[CharityCampaign, list[DonationRow]]


def _campaign(row: Row, campaigns: dict[str, CharityCampaign], errors: ImportErrors):
    name = row["campaign"]
    campaign = campaigns.get(name)
    if campaign is None and name:
        errors.add(row.number, "campaign", f"没有名为“{name}”的募捐活动，请先在后台登记活动")
    return campaign


def _region(row: Row, regions: dict[str, Region], errors: ImportErrors):
    code = row["region"]
    region = regions.get(code)
    if region is None and code:
        errors.add(row.number, "region", f"区划代码“{code}”不存在或已停用")
    return region


def _anonymous(row: Row, errors: ImportErrors):
    value = row["anonymous"].upper()
    if value in YES:
        return True
    if value in NO:
        return False
    errors.add(row.number, "anonymous", f"“{row['anonymous']}”应填写“是”或“否”")
    return None


def _parsed(row: Row, field: str, errors: ImportErrors):
    if not row[field]:
        return None
    try:
        return parse_date(row[field])
    except ValidationError as exc:
        errors.add(row.number, field, exc)
        return None


@register_dataset
class DonationsDataset(Dataset):
    name = "assistance_donations"
    title = "慈善捐赠"
    description = (
        "每行一笔捐赠（募捐活动须已在后台登记）。到账日期须在活动期间内；票据号全系统唯一，"
        "不能与已登记的或本文件其他行的票据号相同；接收区划须在您的管辖范围内。"
    )
    model = Donation
    columns = (
        Column(
            "募捐活动",
            "campaign",
            required=True,
            format="已登记的募捐活动名称，须与后台完全一致",
            example="2018年广东扶贫济困日",
            text=False,
            width=24,
        ),
        Column(
            "捐赠人", "donor_name", format="个人姓名或单位全称；匿名捐赠可不填", example="番禺实业有限公司"
        ),
        Column("匿名捐赠", "anonymous", format="是或否，不填为否", choices=("否", "是"), example="否"),
        Column(
            "捐赠人类别",
            "donor_type",
            required=True,
            choices=tuple(str(label) for label in Donation.DonorType.labels),
            example=str(Donation.DonorType.COMPANY.label),
            text=False,
        ),
        Column(
            "金额（元）",
            "amount",
            required=True,
            format="大于0，最多两位小数",
            example="50000.00",
            text=False,
        ),
        Column(
            "到账日期",
            "received_on",
            required=True,
            format="如 2018-06-30；不能晚于今天",
            example="2018-06-30",
        ),
        Column(
            "票据号",
            "receipt_number",
            required=True,
            format="捐赠票据编号，全系统唯一",
            example="YCCS2018-00001",
        ),
        Column(
            "接收区划代码",
            "region",
            required=True,
            format="接收捐赠的区、镇街或村居的区划代码（镇街、村居为12位）",
            example="440113007000",
        ),
    )

    def validate(self, rows, *, actor, errors: ImportErrors, progress: Progress) -> Plan:
        rows = list(rows)
        campaigns = {
            c.name: c for c in CharityCampaign.objects.filter(name__in={r["campaign"] for r in rows})
        }
        regions = {
            r.code: r
            for r in Region.objects.filter(code__in={row["region"] for row in rows}, valid_to__isnull=True)
        }
        batches: dict[CharityCampaign, list[DonationRow]] = defaultdict(list)
        receipts: dict[str, int] = {}
        for done, row in enumerate(rows, start=1):
            if done % 1000 == 0:
                progress(done, "")
            good = check_lengths(self, row, errors)
            campaign = _campaign(row, campaigns, errors)
            region = _region(row, regions, errors)
            anonymous = _anonymous(row, errors)
            received_on = _parsed(row, "received_on", errors)
            donor_type = DONOR_TYPES.get(row["donor_type"])
            if donor_type is None and row["donor_type"]:
                labels = "、".join(str(label) for label in Donation.DonorType.labels)
                errors.add(row.number, "donor_type", f"“{row['donor_type']}”不是可选值，可选：{labels}")
            receipt = row["receipt_number"]
            if receipt and receipt in receipts:
                errors.add(row.number, "receipt_number", f"票据号“{receipt}”与第{receipts[receipt]}行重复")
                continue
            receipts[receipt] = row.number
            if not good or None in (campaign, region, anonymous, received_on, donor_type):
                continue
            batches[campaign].append(
                DonationRow(
                    donor_type=donor_type,
                    amount=row["amount"],
                    received_on=received_on,
                    receipt_number=receipt,
                    region=region,
                    donor_name=row["donor_name"],
                    anonymous=anonymous,
                    row=row.number,
                )
            )
        for campaign, batch in batches.items():
            _, problems = check_donations(actor=actor, campaign=campaign, rows=batch)
            for problem in problems:
                errors.add(problem.row, problem.field, problem.message)
        return Plan(batches=dict(batches))

    def write(self, plan: Plan, *, actor, source: dict, progress: Progress) -> int:
        created = 0
        for campaign, batch in plan.batches.items():
            donations = record_donations(actor=actor, campaign=campaign, rows=batch)
            import_audit_rows(
                donations,
                actor=actor,
                source=source,
                details=(
                    {"row": r.row, "campaign": campaign.name, "receipt_number": d.receipt_number}
                    for d, r in zip(donations, batch, strict=True)
                ),
            )
            created += len(donations)
            progress(created, f"已登记{created}笔捐赠")
        return created

    def export_queryset(self):
        return Donation.objects.select_related("campaign", "region").order_by("received_on", "id")

    def export_row(self, obj: Donation, *, masked: bool) -> list:
        donor = obj.donor_name
        if masked and obj.donor_type == Donation.DonorType.PERSON:
            donor = mask_name(donor)
        return [
            obj.campaign.name,
            donor,
            "是" if obj.anonymous else "否",
            obj.get_donor_type_display(),
            obj.amount,
            obj.received_on.isoformat(),
            obj.receipt_number,
            obj.region.code,
        ]
