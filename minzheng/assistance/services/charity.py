"""Writes of 慈善: campaigns, donations (one by one or a whole batch, all-or-nothing), titles.

A donation must fall within its campaign's dates, be positive, and carry a receipt number no
other donation has (also a database constraint). `record_donations` validates every row first
and reports each problem with its row number; nothing is written unless all rows are good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.core.audit import write_audit
from minzheng.core.money import quantize_money
from minzheng.registry.models import Region

from ..models.charity import CharityCampaign, CharityTitle, Donation


def _require(actor, region, subject: str) -> None:
    if not has_capability(actor, Capability.REGISTRY_CHANGE):
        raise PermissionDenied("您的角色不能登记慈善信息")
    if not region_in_scope(actor, region):
        raise PermissionDenied(f"{subject}不在您的管辖范围内")


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def create_campaign(
    *,
    actor,
    name: str,
    region: Region,
    starts_on: date,
    ends_on: date,
    target: Decimal | None = None,
    description: str = "",
    kind: str = CharityCampaign.Kind.OTHER,
) -> CharityCampaign:
    _require(actor, region, region.name)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写活动名称"})
    if kind not in CharityCampaign.Kind.values:
        raise ValidationError({"kind": "活动类别应为“广东扶贫济困日”或“其他”"})
    if starts_on is None:
        raise ValidationError({"starts_on": "请填写开始日期"})
    if ends_on is None or ends_on < starts_on:
        raise ValidationError({"ends_on": "截止日期不能早于开始日期"})
    if target is not None and Decimal(target) <= 0:
        raise ValidationError({"target": "募捐目标须大于0"})
    if CharityCampaign.objects.filter(name=name).exists():
        raise ValidationError({"name": f"活动“{name}”已存在"})
    campaign = CharityCampaign.objects.create(
        name=name,
        kind=kind,
        region=region,
        starts_on=starts_on,
        ends_on=ends_on,
        target=quantize_money(target) if target is not None else None,
        description=(description or "").strip(),
    )
    write_audit(
        actor=actor,
        action="charity_campaign",
        obj=campaign,
        changes={
            "kind": kind,
            "region": region.name,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "target": target,
        },
    )
    return campaign


@dataclass
class DonationRow:
    """One donation to record: what `record_donation` takes, as a value (for batches and imports)."""

    donor_type: str
    amount: Decimal | str
    received_on: date
    receipt_number: str
    region: Region
    donor_name: str = ""
    anonymous: bool = False
    row: int = 0  # the row number errors name (an import's spreadsheet row); 0: position from 1


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


def _clean_row(campaign: CharityCampaign, row: DonationRow) -> Donation:
    """Validate one row (without the scope check); return the unsaved donation."""
    donor_name = (row.donor_name or "").strip()
    receipt = (row.receipt_number or "").strip()
    if row.donor_type not in Donation.DonorType.values:
        raise ValidationError({"donor_type": "捐赠人类别应为个人、企业或机关团体及社会组织"})
    if not row.anonymous and not donor_name:
        raise ValidationError({"donor_name": "请填写捐赠人，或勾选匿名捐赠"})
    try:
        amount = quantize_money(row.amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"amount": "金额格式不正确"})
    if amount <= 0:
        raise ValidationError({"amount": "捐赠金额须大于0"})
    if row.received_on is None:
        raise ValidationError({"received_on": "请填写到账日期"})
    if row.received_on > timezone.localdate():
        raise ValidationError({"received_on": "到账日期不能晚于今天"})
    if not campaign.starts_on <= row.received_on <= campaign.ends_on:
        raise ValidationError(
            {
                "received_on": f"到账日期不在活动“{campaign.name}”期间"
                f"（{campaign.starts_on:%Y-%m-%d}至{campaign.ends_on:%Y-%m-%d}）"
            }
        )
    if not receipt:
        raise ValidationError({"receipt_number": "请填写票据号"})
    return Donation(
        campaign=campaign,
        donor_name="" if row.anonymous else donor_name,
        anonymous=row.anonymous,
        donor_type=row.donor_type,
        amount=amount,
        received_on=row.received_on,
        receipt_number=receipt,
        region=row.region,
    )


@transaction.atomic
def record_donation(
    *,
    actor,
    campaign: CharityCampaign,
    donor_type: str,
    amount: Decimal,
    received_on: date,
    receipt_number: str,
    region: Region,
    donor_name: str = "",
    anonymous: bool = False,
) -> Donation:
    _require(actor, region, region.name)
    donation = _clean_row(
        campaign,
        DonationRow(donor_type, amount, received_on, receipt_number, region, donor_name, anonymous),
    )
    if Donation.objects.filter(receipt_number=donation.receipt_number).exists():
        raise ValidationError({"receipt_number": f"票据号“{donation.receipt_number}”已登记"})
    donation.recorded_by = _actor(actor)
    donation.save()
    write_audit(
        actor=actor,
        action="charity_donation",
        obj=donation,
        changes={"campaign": campaign.name, "amount": donation.amount, "receipt": donation.receipt_number},
    )
    return donation


def check_donations(
    *, actor, campaign: CharityCampaign, rows: list[DonationRow]
) -> tuple[list[Donation], list[RowError]]:
    """Validate a batch without writing anything: the unsaved donations of the good rows and every
    problem as (row, field, message). Rows are numbered by `row.row`, else by position from 1."""
    errors: list[RowError] = []
    cleaned: list[Donation] = []
    seen: dict[str, int] = {}
    for position, row in enumerate(rows, start=1):
        number = row.row or position
        try:
            if row.region is None or not region_in_scope(actor, row.region):
                raise ValidationError({"region": "接收镇街/村居不在您的管辖范围内"})
            donation = _clean_row(campaign, row)
        except ValidationError as exc:
            errors.extend(
                RowError(number, field, message)
                for field, messages in exc.message_dict.items()
                for message in messages
            )
            continue
        if donation.receipt_number in seen:
            errors.append(
                RowError(
                    number,
                    "receipt_number",
                    f"票据号“{donation.receipt_number}”与第{seen[donation.receipt_number]}行重复",
                )
            )
            continue
        seen[donation.receipt_number] = number
        donation.recorded_by = _actor(actor)
        cleaned.append(donation)
    if seen:
        existing = set(
            Donation.objects.filter(receipt_number__in=list(seen)).values_list("receipt_number", flat=True)
        )
        errors.extend(
            RowError(seen[receipt], "receipt_number", f"票据号“{receipt}”已登记")
            for receipt in sorted(existing)
        )
    return cleaned, sorted(errors, key=lambda error: error.row)


@transaction.atomic
def record_donations(*, actor, campaign: CharityCampaign, rows: list[DonationRow]) -> list[Donation]:
    """Record a batch of donations all-or-nothing (one bulk insert, one audit row). Errors name
    the row (1-based, as in the file) and the field."""
    if not has_capability(actor, Capability.REGISTRY_CHANGE):
        raise PermissionDenied("您的角色不能登记慈善信息")
    cleaned, errors = check_donations(actor=actor, campaign=campaign, rows=rows)
    if errors:
        raise ValidationError([f"第{error.row}行：{error.message}" for error in errors])
    if not cleaned:
        raise ValidationError("没有可登记的捐赠")
    created = Donation.objects.bulk_create(cleaned, batch_size=1000)
    write_audit(
        actor=actor,
        action="charity_donations_batch",
        obj=campaign,
        changes={"count": len(created), "total": sum((d.amount for d in created), Decimal("0"))},
    )
    return created


@transaction.atomic
def award_title(
    *,
    actor,
    kind: str,
    title: str,
    awarded_to: str,
    region: Region,
    year: int,
    awarded_by: str = "",
) -> CharityTitle:
    _require(actor, region, region.name)
    title, awarded_to = (title or "").strip(), (awarded_to or "").strip()
    if kind not in CharityTitle.Kind.values:
        raise ValidationError({"kind": "请选择标志类别"})
    if not title:
        raise ValidationError({"title": "请填写称号"})
    if not awarded_to:
        raise ValidationError({"awarded_to": "请填写授予对象"})
    if not year or not 1949 <= int(year) <= timezone.localdate().year:
        raise ValidationError({"year": "年度不正确"})
    if CharityTitle.objects.filter(title=title, awarded_to=awarded_to, year=year).exists():
        raise ValidationError({"awarded_to": f"{awarded_to}已获{year}年“{title}”称号"})
    record = CharityTitle.objects.create(
        kind=kind,
        title=title,
        awarded_to=awarded_to,
        region=region,
        year=int(year),
        awarded_by=(awarded_by or "").strip(),
    )
    write_audit(
        actor=actor,
        action="charity_title",
        obj=record,
        changes={"title": title, "awarded_to": awarded_to, "year": year},
    )
    return record
