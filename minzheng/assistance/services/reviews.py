"""Review and exit of social-assistance recipients (RULES.md §2, issue #4 item 4).

**Review cycle** (the rule, in one place — `REVIEW_CYCLES` and `dibao_half_yearly`):
- 特困, the two disability subsidies and the children's allowances: yearly.
- 低保: half-yearly when the household has a member able to work — aged 18 to 59 at the
  scheduling date, alive, without a disability certificate — or an assessed income above zero
  (income that can change: wages, a business); yearly when it is made up only of elderly,
  disabled or minor members and has no income.
The next review is due one cycle after the last completed one (or after the entitlement's first
month when there was none); a review already past its date is overdue and listed first.

**Who decides**: a review is recorded by staff of the recipient's 镇街 or 村居 (in scope, with
`registry.change`); an outcome that changes the payment (adjust, suspend, exit) and fraud
recovery are decisions of the district (`benefits.manage`), as the engine requires.

**Exit**: payment ends after `last_month`; with a phase-out (渐退, a member found work, at most 6
months) it continues unchanged for that many months and then ends. The written notice
(终止救助通知书) is an `ExitNotice` row; its DOCX is built from it (services/reviews_notice.py).

**Fraud**: the entitlement ends retroactively (`benefits.services.end_entitlement_retroactively`);
the months already paid become recovery lines in the next payroll run; a `Recovery` row records
what was paid for those months, summed in SQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.benefits import services as benefits
from minzheng.benefits.models import Entitlement, PaymentLine, PayrollRun
from minzheng.benefits.recalculation import current_month
from minzheng.core.audit import write_audit
from minzheng.core.masking import display_name
from minzheng.core.money import quantize_money
from minzheng.core.months import Month
from minzheng.registry.models import Membership

from ..models import ExitNotice, Recovery, Review, ReviewCycle, ReviewOutcome, ReviewStatus
from ..programs import Program

# Which programs are reviewed and how often (低保 depends on the household, see below).
REVIEW_CYCLES: dict[str, str] = {
    Program.DIBAO: ReviewCycle.YEARLY,  # half-yearly when `dibao_half_yearly` holds
    Program.TEKUN: ReviewCycle.YEARLY,
    Program.LIVING_SUBSIDY: ReviewCycle.YEARLY,
    Program.NURSING_SUBSIDY: ReviewCycle.YEARLY,
    Program.ORPHAN: ReviewCycle.YEARLY,
    Program.UNSUPPORTED_CHILD: ReviewCycle.YEARLY,
    Program.CHILDREN_SUBSIDY: ReviewCycle.YEARLY,
}
REVIEWED_SCHEMES = tuple(str(code) for code in REVIEW_CYCLES)
CYCLE_MONTHS = {ReviewCycle.YEARLY: 12, ReviewCycle.HALF_YEARLY: 6}
WORKING_AGE = (18, 60)  # able to work: 18 or older and younger than 60
MAX_PHASE_OUT_MONTHS = 6
OPEN_ENTITLEMENT = (Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED)
PAID_RUNS = (PayrollRun.Status.APPROVED, PayrollRun.Status.EXPORTED, PayrollRun.Status.RECONCILED)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def add_months(day: date, months: int) -> date:
    month = Month.of(day) + months
    last = month.last_day.day
    return date(month.year, month.month, min(day.day, last))


def dibao_half_yearly(today: date) -> Q:
    """低保 households reviewed half-yearly: a member able to work, or an assessed income."""
    able = Membership.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        household_id=OuterRef("household_id"),
        valid_from__lte=today,
        person__death_date__isnull=True,
        person__disability_grade__isnull=True,
        person__birth_date__lte=_years_before(today, WORKING_AGE[0]),
        person__birth_date__gt=_years_before(today, WORKING_AGE[1]),
    )
    return Q(scheme__code=Program.DIBAO) & (Q(assessed_income__gt=0) | Exists(able))


def _cycle_of(code: str, half_yearly: bool, income: Decimal) -> tuple[str, str]:
    if code == Program.DIBAO and half_yearly:
        why = "家庭有劳动能力成员" if not income else "家庭有收入，收入可能变动"
        return ReviewCycle.HALF_YEARLY, why
    if code == Program.DIBAO:
        return ReviewCycle.YEARLY, "家庭成员均为老年人、残疾人或未成年人且无收入"
    return REVIEW_CYCLES[code], f"{Program(code).label}每年复核"


def _create_reviews(entitlements, today: date) -> int:
    """Next review for each open assistance entitlement of `entitlements` without an open one:
    one query to find them, one bulk insert (a concurrent duplicate is dropped by the constraint)."""
    last_done = (
        Review.objects.filter(entitlement_id=OuterRef("pk"), status=ReviewStatus.DONE)
        .order_by("-done_at")
        .values("done_at")[:1]
    )
    rows = list(
        entitlements.filter(scheme__code__in=REVIEWED_SCHEMES, status__in=OPEN_ENTITLEMENT, recurring=True)
        .exclude(Exists(Review.objects.filter(entitlement_id=OuterRef("pk"), status=ReviewStatus.DUE)))
        .annotate(
            half_yearly=ExpressionWrapper(dibao_half_yearly(today), output_field=BooleanField()),
            last_done=Subquery(last_done),
        )
        .values(
            "pk",
            "scheme__code",
            "person_id",
            "household_id",
            "region_id",
            "start_month",
            "assessed_income",
            "half_yearly",
            "last_done",
        )
        .order_by("pk")
    )
    reviews = []
    for row in rows:
        cycle, why = _cycle_of(row["scheme__code"], bool(row["half_yearly"]), row["assessed_income"])
        done = row["last_done"]
        base = timezone.localdate(done) if isinstance(done, datetime) else (done or row["start_month"])
        reviews.append(
            Review(
                entitlement_id=row["pk"],
                person_id=row["person_id"],
                household_id=row["household_id"],
                region_id=row["region_id"],
                due_on=add_months(base, CYCLE_MONTHS[cycle]),
                cycle=cycle,
                cycle_reason=why,
            )
        )
    Review.objects.bulk_create(reviews, batch_size=1000, ignore_conflicts=True)
    return len(reviews)


@transaction.atomic
def schedule_reviews(*, today: date | None = None) -> int:
    """Create the next review of every open assistance entitlement that has none (idempotent);
    cancel open reviews of entitlements that have ended (death, exit). Returns how many were created."""
    today = today or timezone.localdate()
    Review.objects.filter(status=ReviewStatus.DUE, entitlement__status=Entitlement.Status.ENDED).update(
        status=ReviewStatus.CANCELLED, updated_at=timezone.now()
    )
    return _create_reviews(Entitlement.objects.all(), today)


# --- checks ---------------------------------------------------------------------------------


def _check_scope(actor, region, what: str) -> None:
    if not region_in_scope(actor, region):
        raise PermissionDenied(f"{what}不在您的管辖范围内")


def _check_assistance(entitlement: Entitlement) -> None:
    if entitlement.scheme.code not in REVIEWED_SCHEMES:
        raise ValidationError({"entitlement": f"“{entitlement.scheme.name}”不是按月发放的社会救助项目"})


def _require_decision(actor, what: str) -> None:
    if not has_capability(actor, Capability.BENEFITS_MANAGE):
        raise PermissionDenied(f"{what}须由区级民政部门决定，您的角色不能办理")


def _require_text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def _clean_phase_out(value) -> int:
    try:
        months = int(value or 0)
    except (TypeError, ValueError):
        raise ValidationError({"phase_out_months": "渐退期应填写0至6之间的整数（月）"})
    if not 0 <= months <= MAX_PHASE_OUT_MONTHS:
        raise ValidationError(
            {"phase_out_months": f"渐退期最长{MAX_PHASE_OUT_MONTHS}个月，不能为{months}个月"}
        )
    return months


def _cancel_open_reviews(entitlement: Entitlement) -> None:
    Review.objects.filter(entitlement=entitlement, status=ReviewStatus.DUE).update(
        status=ReviewStatus.CANCELLED, updated_at=timezone.now()
    )


# --- completing a review ----------------------------------------------------------------------


@transaction.atomic
def complete_review(
    review: Review,
    *,
    actor,
    outcome: str,
    findings: str,
    assessed_income: Decimal | None = None,
    phase_out_months: int = 0,
    effective_month: Month | None = None,
) -> Review:
    """Record the review's outcome and carry it out.

    continue → the next review is scheduled; adjust → the new assessed income applies from
    `effective_month` (default next month; earlier months already paid are settled in the next
    run); suspend → no payment from `effective_month`; exit → payment ends after the month before
    `effective_month` (default: this month is the last), plus any phase-out months.
    """
    review = Review.objects.select_related("entitlement__scheme", "region", "person").get(pk=review.pk)
    _check_scope(actor, review.region, display_name(review.person))
    if not has_capability(actor, Capability.REGISTRY_CHANGE):
        raise PermissionDenied("您的角色不能办理复核")
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": "请选择复核结论"})
    if outcome != ReviewOutcome.CONTINUE:
        _require_decision(actor, f"“{ReviewOutcome(outcome).label}”")
    findings = _require_text(findings, "findings", "请填写复核情况（入户调查、核对结果）")
    if outcome == ReviewOutcome.ADJUST and assessed_income is None:
        raise ValidationError({"assessed_income": "调整救助金额须填写复核核定的家庭月收入"})
    if assessed_income is not None and assessed_income < 0:
        raise ValidationError({"assessed_income": "家庭月收入不能为负数"})
    phase_out_months = _clean_phase_out(phase_out_months)
    if phase_out_months and outcome != ReviewOutcome.EXIT:
        raise ValidationError({"phase_out_months": "只有终止救助才能设置渐退期"})
    this_month = current_month()
    effective = effective_month or this_month + 1
    updated = Review.objects.filter(pk=review.pk, status=ReviewStatus.DUE).update(
        status=ReviewStatus.DONE,
        outcome=outcome,
        findings=findings,
        assessed_income=quantize_money(assessed_income) if assessed_income is not None else None,
        effective_month=effective.first_day if outcome != ReviewOutcome.CONTINUE else None,
        phase_out_months=phase_out_months or 0,
        done_by=actor,
        done_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError({"status": "该复核已办理或已取消，请刷新"})
    review.refresh_from_db()
    entitlement = review.entitlement
    write_audit(
        actor=actor,
        action="complete_review",
        obj=review,
        changes={
            "outcome": outcome,
            "assessed_income": review.assessed_income,
            "effective_month": str(effective) if review.effective_month else None,
            "phase_out_months": review.phase_out_months,
        },
    )
    reason = f"定期复核：{findings}"[:100]
    if outcome == ReviewOutcome.ADJUST:
        benefits.update_assessed_income(
            entitlement, actor=actor, income=review.assessed_income, from_month=effective
        )
    elif outcome == ReviewOutcome.SUSPEND:
        benefits.suspend_entitlement(entitlement, actor=actor, from_month=effective, reason=reason)
    elif outcome == ReviewOutcome.EXIT:
        exit_recipient(
            entitlement,
            actor=actor,
            reason=findings,
            last_month=effective - 1,
            phase_out_months=phase_out_months,
            review=review,
        )
    if outcome != ReviewOutcome.EXIT:
        _create_reviews(Entitlement.objects.filter(pk=entitlement.pk), timezone.localdate())
    return review


# --- exit, fraud, suspension ------------------------------------------------------------------


@transaction.atomic
def exit_recipient(
    entitlement: Entitlement,
    *,
    actor,
    reason: str,
    last_month: Month,
    phase_out_months: int = 0,
    review: Review | None = None,
) -> ExitNotice:
    """End an assistance entitlement with a written notice. With a phase-out the payment goes on
    unchanged for `phase_out_months` months after `last_month` and then ends."""
    entitlement = Entitlement.objects.select_related("scheme", "person", "region").get(pk=entitlement.pk)
    _check_assistance(entitlement)
    _check_scope(actor, entitlement.region, display_name(entitlement.person))
    _require_decision(actor, "终止救助")
    reason = _require_text(reason, "reason", "请填写终止救助的原因")
    phase_out_months = _clean_phase_out(phase_out_months)
    if entitlement.status == Entitlement.Status.ENDED:
        raise ValidationError({"entitlement": f"该待遇已于{entitlement.end_month:%Y-%m}终止"})
    if phase_out_months and entitlement.status == Entitlement.Status.SUSPENDED:
        raise ValidationError({"phase_out_months": "暂停发放中的待遇不适用渐退期，请先恢复发放"})
    final = last_month + phase_out_months
    why = f"{reason}（渐退{phase_out_months}个月）" if phase_out_months else reason
    benefits.end_entitlement(entitlement, actor=actor, last_month=final, reason=why)
    _cancel_open_reviews(entitlement)
    notice = ExitNotice.objects.create(
        number=f"TMP-{entitlement.pk}-{timezone.now().timestamp()}",
        entitlement=entitlement,
        review=review,
        person=entitlement.person,
        region=entitlement.region,
        program_name=entitlement.scheme.name,
        reason=reason,
        decided_on=timezone.localdate(),
        last_regular_month=last_month.first_day,
        phase_out_months=phase_out_months,
        last_payment_month=final.first_day,
        issued_by=actor,
    )
    notice.number = f"终止〔{notice.decided_on.year}〕{notice.pk:05d}号"
    notice.save(update_fields=["number", "updated_at"])
    write_audit(
        actor=actor,
        action="exit_recipient",
        obj=notice,
        changes={
            "entitlement": entitlement.pk,
            "reason": reason,
            "last_month": str(last_month),
            "phase_out_months": phase_out_months,
            "last_payment_month": str(final),
        },
    )
    return notice


def paid_from(entitlement: Entitlement, from_month: Month) -> dict:
    """What approved runs paid for the entitlement's months from `from_month` on: regular,
    arrears, earlier recoveries and re-issues; failed or held lines count nothing."""
    return paid_from_each([entitlement.pk], from_month).get(
        entitlement.pk, {"amount": Decimal("0.00"), "months": 0}
    )


def paid_from_each(entitlement_ids, from_month: Month) -> dict[int, dict]:
    """`paid_from` for several entitlements in one SQL sum (entitlements with no line are absent)."""
    rows = (
        PaymentLine.objects.filter(
            entitlement_id__in=entitlement_ids, month__gte=from_month.first_day, run__status__in=PAID_RUNS
        )
        .exclude(status__in=[PaymentLine.Status.FAILED, PaymentLine.Status.HELD])
        .values("entitlement_id")
        .annotate(amount=Sum("amount"), months=Count("month", distinct=True))
    )
    return {row["entitlement_id"]: {"amount": row["amount"], "months": row["months"]} for row in rows}


@transaction.atomic
def recover_fraud(entitlement: Entitlement, *, actor, from_month: Month, reason: str) -> Recovery:
    """End the entitlement retroactively from `from_month`; the months already paid become recovery
    lines in the next payroll run; record what is to be recovered."""
    entitlement = Entitlement.objects.select_related("scheme", "person", "region").get(pk=entitlement.pk)
    _check_assistance(entitlement)
    _check_scope(actor, entitlement.region, display_name(entitlement.person))
    _require_decision(actor, "追回违规领取的救助金")
    reason = _require_text(reason, "reason", "请填写骗取救助的情况说明（依据、调查结论）")
    start = max(from_month, Month.of(entitlement.start_month))
    paid = paid_from(entitlement, start)
    benefits.end_entitlement_retroactively(
        entitlement, actor=actor, from_month=start, reason=f"骗取救助，{start}起追回"
    )
    _cancel_open_reviews(entitlement)
    return record_recovery(
        entitlement, cause=Recovery.Cause.FRAUD, reason=reason, start=start, paid=paid, actor=actor
    )


AUDIT_ACTIONS = {Recovery.Cause.FRAUD: "recover_fraud", Recovery.Cause.DEATH: "recover_after_death"}


def record_recovery(
    entitlement: Entitlement, *, cause: str, reason: str, start: Month, paid: dict, actor
) -> Recovery:
    """Put on record what was paid from `start` (`paid_from`) and is to be recovered; audited."""
    recovery = Recovery.objects.create(
        entitlement=entitlement,
        person=entitlement.person,
        region=entitlement.region,
        cause=cause,
        reason=reason,
        from_month=start.first_day,
        months=paid["months"],
        amount=paid["amount"],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    write_audit(
        actor=actor,
        action=AUDIT_ACTIONS[cause],
        obj=recovery,
        changes={"entitlement": entitlement.pk, "from_month": str(start), "amount": paid["amount"]},
    )
    return recovery


def suspend_recipient(entitlement: Entitlement, *, actor, from_month: Month, reason: str) -> Entitlement:
    """Stop paying from `from_month` (e.g. while a change is investigated); the review stays open."""
    entitlement = Entitlement.objects.select_related("scheme", "person", "region").get(pk=entitlement.pk)
    _check_assistance(entitlement)
    _check_scope(actor, entitlement.region, display_name(entitlement.person))
    reason = _require_text(reason, "reason", "请填写暂停发放的原因")
    return benefits.suspend_entitlement(entitlement, actor=actor, from_month=from_month, reason=reason)


def resume_recipient(entitlement: Entitlement, *, actor, from_month: Month, reason: str) -> Entitlement:
    """Pay again from `from_month` (months suspended before it stay unpaid)."""
    entitlement = Entitlement.objects.select_related("scheme", "person", "region").get(pk=entitlement.pk)
    _check_assistance(entitlement)
    _check_scope(actor, entitlement.region, display_name(entitlement.person))
    reason = _require_text(reason, "reason", "请填写恢复发放的原因")
    return benefits.resume_entitlement(entitlement, actor=actor, from_month=from_month, reason=reason)


# --- payee review -----------------------------------------------------------------------------

PAYEE_REVIEW = "指定新的领取人"


@transaction.atomic
def open_payee_review(entitlement: Entitlement, *, reason: str, due_on: date) -> Review:
    """An urgent review so the town designates a new payee (the payee died). There is at most one
    open review per entitlement: a periodic one already due is brought forward to `due_on` and
    carries the reason (`cycle_reason`, "指定新的领取人：…"). A system action, audited without actor."""
    entitlement = (
        Entitlement.objects.select_for_update().select_related("scheme").get(pk=entitlement.pk)
    )  # serialises with a concurrent opening of the entitlement's review
    text = f"{PAYEE_REVIEW}：{reason}"[:100]
    review = Review.objects.filter(entitlement=entitlement, status=ReviewStatus.DUE).first()
    if review is not None:
        review.due_on = min(review.due_on, due_on)
        review.cycle_reason = text
        review.save(update_fields=["due_on", "cycle_reason", "updated_at"])
    else:
        review = Review.objects.create(
            entitlement=entitlement,
            person_id=entitlement.person_id,
            household_id=entitlement.household_id,
            region_id=entitlement.region_id,
            due_on=due_on,
            cycle=REVIEW_CYCLES.get(entitlement.scheme.code, ReviewCycle.YEARLY),
            cycle_reason=text,
        )
    write_audit(actor=None, action="open_review", obj=review, changes={"reason": reason, "due_on": due_on})
    return review
