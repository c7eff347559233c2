"""Writes of 医疗救助 and 临时救助.

- `approve_claim` reimburses one visit through the benefits engine (`reimburse_claim`: ratio,
  deductible and the person's annual cap from the standard of the person's region and the visit
  month) and records the claim; when the cap cut the amount, `claim.cap_note` says so.
- `import_claims` approves a whole file at once, set-based (see `medical_import`), with the same
  result as `approve_claim` claim by claim in order of visit date.
- `grant_temporary_aid` grants a one-off amount after an emergency, up to the standard's
  `max_amount`.

A claim is paid in the payroll run of its visit month; a claim approved after that month's run
was built is flagged and paid as arrears by the next run (`benefits.bulk.flag_late_grants`).
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
from minzheng.benefits.bulk import flag_late_grants
from minzheng.benefits.calculations import standard_in_force
from minzheng.benefits.models import Scheme
from minzheng.benefits.services import grant_entitlement, reimburse_claim
from minzheng.core.audit import write_audit
from minzheng.core.masking import display_name
from minzheng.core.money import quantize_money
from minzheng.core.months import Month
from minzheng.registry.models import Household, Person

from ..models import ClaimStatus, EmergencyType, MedicalClaim, TemporaryAid, VisitType

MEDICAL = "medical"
TEMPORARY = "temporary"
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999.99")


def program_scheme(code: str) -> Scheme:
    try:
        return Scheme.objects.get(code=code)
    except Scheme.DoesNotExist:
        raise ValidationError({"scheme": f"救助项目“{code}”尚未设置，请先运行 setup_programs"})


def require_manager(actor, person: Person, verb: str) -> None:
    if not has_capability(actor, Capability.BENEFITS_MANAGE):
        raise PermissionDenied(f"您的角色不能{verb}")
    if not region_in_scope(actor, person.region):
        raise PermissionDenied(f"{display_name(person)}不在您的管辖范围内")


# --- checking a claim's facts (shared with the bulk import) ---------------------------------


def parse_money(value, field: str, label: str) -> Decimal:
    """A non-negative amount in yuan with at most two decimals."""
    if value is None or value == "":
        return ZERO
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise ValidationError({field: f"{label}“{value}”不是有效金额"})
    if not amount.is_finite():
        raise ValidationError({field: f"{label}“{value}”不是有效金额"})
    if amount < 0:
        raise ValidationError({field: f"{label}不能为负数"})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: f"{label}最多两位小数"})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: f"{label}金额过大"})
    return quantize_money(amount)


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    visit_date: date
    hospital: str
    visit_type: str
    diagnosis: str
    total_cost: Decimal
    insurance_paid: Decimal
    other_paid: Decimal
    out_of_pocket: Decimal

    @property
    def month(self) -> Month:
        return Month.of(self.visit_date)

    @property
    def duplicate_key(self) -> tuple:
        return (self.visit_date, self.hospital, self.visit_type, self.total_cost)

    @property
    def note(self) -> str:
        return f"{self.visit_date:%Y-%m-%d} {self.hospital}（{VisitType(self.visit_type).label}）"


def clean_claim(
    *, visit_date, hospital, visit_type, total_cost, insurance_paid, other_paid, diagnosis, today: date
) -> ClaimFacts:
    """The claim's facts checked; every problem at once, by field, in Chinese."""
    errors: dict[str, str] = {}
    if not isinstance(visit_date, date):
        errors["visit_date"] = "请填写就诊日期"
    elif visit_date > today:
        errors["visit_date"] = "就诊日期不能晚于今天"
    hospital = (hospital or "").strip()
    if not hospital:
        errors["hospital"] = "请填写就诊医院"
    elif len(hospital) > 100:
        errors["hospital"] = "医院名称不能超过100个字"
    if visit_type not in VisitType.values:
        labels = "、".join(str(label) for label in VisitType.labels)
        errors["visit_type"] = f"就诊类别“{visit_type}”不是可选值，可选：{labels}"
    diagnosis = (diagnosis or "").strip()
    if len(diagnosis) > 100:
        errors["diagnosis"] = "诊断类别不能超过100个字"
    amounts = {}
    for field, label, value in (
        ("total_cost", "医疗总费用", total_cost),
        ("insurance_paid", "医保支付", insurance_paid),
        ("other_paid", "其他支付", other_paid),
    ):
        try:
            amounts[field] = parse_money(value, field, label)
        except ValidationError as exc:
            errors[field] = exc.message_dict[field][0]
    if len(amounts) == 3:
        if amounts["total_cost"] <= 0:
            errors["total_cost"] = "医疗总费用应大于0"
        elif amounts["insurance_paid"] + amounts["other_paid"] > amounts["total_cost"]:
            errors["insurance_paid"] = (
                f"医保支付与其他支付之和（{amounts['insurance_paid'] + amounts['other_paid']}元）"
                f"超过医疗总费用（{amounts['total_cost']}元）"
            )
    if errors:
        raise ValidationError(errors)
    return ClaimFacts(
        visit_date=visit_date,
        hospital=hospital,
        visit_type=visit_type,
        diagnosis=diagnosis,
        total_cost=amounts["total_cost"],
        insurance_paid=amounts["insurance_paid"],
        other_paid=amounts["other_paid"],
        out_of_pocket=amounts["total_cost"] - amounts["insurance_paid"] - amounts["other_paid"],
    )


def cap_message(trace: dict) -> str:
    """The sentence shown when the annual cap cut the reimbursement ("" otherwise)."""
    if not trace.get("capped"):
        return ""
    cap, used, computed, amount = (
        quantize_money(Decimal(trace[key])) for key in ("annual_cap", "used_before", "computed", "amount")
    )
    return (
        f"已达年度封顶线：年度封顶 {cap} 元，本年已救助 {used} 元，"
        f"本次按比例应为 {computed} 元，按封顶余额救助 {amount} 元"
    )


# --- one claim ------------------------------------------------------------------------------


@transaction.atomic
def approve_claim(
    *,
    actor,
    person: Person,
    visit_date: date,
    hospital: str,
    visit_type: str,
    total_cost,
    insurance_paid,
    other_paid=0,
    diagnosis: str = "",
) -> MedicalClaim:
    """Approve one visit's claim; the amount, and whether the annual cap cut it, are on the claim."""
    require_manager(actor, person, "核准医疗救助")
    facts = clean_claim(
        visit_date=visit_date,
        hospital=hospital,
        visit_type=visit_type,
        total_cost=total_cost,
        insurance_paid=insurance_paid,
        other_paid=other_paid,
        diagnosis=diagnosis,
        today=timezone.localdate(),
    )
    scheme = program_scheme(MEDICAL)
    if standard_in_force(scheme, person.region_id, facts.month) is None:
        raise ValidationError({"visit_date": f"{facts.month}没有适用的医疗救助标准，请先设定标准"})
    Person.objects.select_for_update().get(pk=person.pk)  # the cap holds: one claim of a person at a time
    _refuse_duplicate(person, facts)
    entitlement = reimburse_claim(
        actor=actor,
        scheme=scheme,
        person=person,
        month=facts.month,
        out_of_pocket=facts.out_of_pocket,
        note=facts.note,
    )
    claim = MedicalClaim.objects.create(
        person=person,
        region=entitlement.region,
        **_claim_fields(facts),
        reimbursed=entitlement.fixed_amount,
        capped=bool(entitlement.trace.get("capped")),
        cap_note=cap_message(entitlement.trace),
        status=ClaimStatus.APPROVED,
        entitlement=entitlement,
        created_by=actor,
    )
    flag_late_grants(scheme, [(entitlement.pk, facts.month)])
    write_audit(actor=actor, action="approve_medical_claim", obj=claim, changes=_audit_changes(claim))
    return claim


def _claim_fields(facts: ClaimFacts) -> dict:
    return {
        "visit_date": facts.visit_date,
        "hospital": facts.hospital,
        "visit_type": facts.visit_type,
        "diagnosis": facts.diagnosis,
        "total_cost": facts.total_cost,
        "insurance_paid": facts.insurance_paid,
        "other_paid": facts.other_paid,
        "out_of_pocket": facts.out_of_pocket,
    }


def _audit_changes(claim: MedicalClaim) -> dict:
    """What the audit keeps of a claim (never the diagnosis: health data)."""
    return {
        "visit_date": claim.visit_date,
        "hospital": claim.hospital,
        "visit_type": claim.visit_type,
        "total_cost": claim.total_cost,
        "out_of_pocket": claim.out_of_pocket,
        "reimbursed": claim.reimbursed,
        "capped": claim.capped,
        "status": claim.status,
    }


def _refuse_duplicate(person: Person, facts: ClaimFacts) -> None:
    earlier = MedicalClaim.objects.filter(
        person=person,
        visit_date=facts.visit_date,
        hospital=facts.hospital,
        visit_type=facts.visit_type,
        total_cost=facts.total_cost,
        status=ClaimStatus.APPROVED,
    ).first()
    if earlier is not None:
        raise ValidationError(
            {
                "visit_date": f"该次就诊（{facts.note}，总费用{facts.total_cost}元）已于{earlier.created_at:%Y-%m-%d}核准，不能重复报销"
            }
        )


@transaction.atomic
def refuse_claim(
    *,
    actor,
    person: Person,
    visit_date: date,
    hospital: str,
    visit_type: str,
    total_cost,
    insurance_paid,
    other_paid=0,
    diagnosis: str = "",
    reason: str,
) -> MedicalClaim:
    """Record a claim that is not reimbursed, with the written reason."""
    require_manager(actor, person, "审核医疗救助")
    if not (reason or "").strip():
        raise ValidationError({"refusal_reason": "请填写不予救助的理由"})
    facts = clean_claim(
        visit_date=visit_date,
        hospital=hospital,
        visit_type=visit_type,
        total_cost=total_cost,
        insurance_paid=insurance_paid,
        other_paid=other_paid,
        diagnosis=diagnosis,
        today=timezone.localdate(),
    )
    claim = MedicalClaim.objects.create(
        person=person,
        region=person.region,
        **_claim_fields(facts),
        status=ClaimStatus.REFUSED,
        refusal_reason=reason.strip()[:200],
        created_by=actor,
    )
    write_audit(
        actor=actor,
        action="refuse_medical_claim",
        obj=claim,
        changes={**_audit_changes(claim), "reason": claim.refusal_reason},
    )
    return claim


def import_claims(rows, *, actor):
    """Approve many claims at once, all or nothing (see `medical_import.import_claims`)."""
    from .medical_import import import_claims as run

    return run(rows, actor=actor)


# --- temporary aid --------------------------------------------------------------------------


@transaction.atomic
def grant_temporary_aid(
    *,
    actor,
    person: Person,
    emergency_type: str,
    amount,
    reason: str,
    occurred_on: date,
    household: Household | None = None,
    granted_on: date | None = None,
) -> TemporaryAid:
    """Grant a one-off amount after an emergency, paid in the run of the month it is granted.

    The amount may not exceed `max_amount` of the `temporary` standard for the region and month.
    """
    require_manager(actor, person, "审批临时救助")
    granted_on = granted_on or timezone.localdate()
    errors: dict[str, str] = {}
    if emergency_type not in EmergencyType.values:
        errors["emergency_type"] = f"急难类型“{emergency_type}”不是可选值"
    if not (reason or "").strip():
        errors["reason"] = "请填写救助事由（发生了什么、家庭困难情况）"
    if not isinstance(occurred_on, date):
        errors["occurred_on"] = "请填写发生日期"
    elif occurred_on > granted_on:
        errors["occurred_on"] = "发生日期不能晚于审批日期"
    if granted_on > timezone.localdate():
        errors["granted_on"] = "审批日期不能晚于今天"
    if (
        household is not None
        and not household.memberships.filter(person=person, valid_to__isnull=True).exists()
    ):
        errors["household"] = f"{display_name(person)}不是该家庭户的成员"
    try:
        value = parse_money(amount, "amount", "救助金额")
        if value <= 0:
            errors["amount"] = "救助金额应大于0"
    except ValidationError as exc:
        errors["amount"] = exc.message_dict["amount"][0]
    if errors:
        raise ValidationError(errors)
    scheme = program_scheme(TEMPORARY)
    month = Month.of(granted_on)
    row = standard_in_force(scheme, person.region_id, month)
    limit = (row.params or {}).get("max_amount") if row is not None else None
    if limit in (None, ""):
        raise ValidationError(
            {"amount": f"{month}没有设定临时救助金额上限（标准参数 max_amount），请先设定标准"}
        )
    limit = Decimal(str(limit))
    if value > limit:
        raise ValidationError(
            {"amount": f"救助金额{value}元超过临时救助上限{limit}元（{row.document}），超出部分请按程序报批"}
        )
    entitlement = grant_entitlement(
        actor=actor, scheme=scheme, person=person, household=household, start_month=month, fixed_amount=value
    )
    aid = TemporaryAid.objects.create(
        person=person,
        household=household,
        region=entitlement.region,
        emergency_type=emergency_type,
        occurred_on=occurred_on,
        granted_on=granted_on,
        amount=value,
        reason=reason.strip(),
        approved_by=actor,
        entitlement=entitlement,
    )
    flag_late_grants(scheme, [(entitlement.pk, month)])
    write_audit(
        actor=actor,
        action="grant_temporary_aid",
        obj=aid,
        changes={
            "emergency_type": emergency_type,
            "amount": value,
            "max_amount": limit,
            "occurred_on": occurred_on,
            "granted_on": granted_on,
        },
    )
    return aid
