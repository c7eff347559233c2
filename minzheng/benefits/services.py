"""Writes of the benefits engine: schemes, standards, entitlements, bank accounts, claims.

Each write that changes what is owed ends with `recalculation.recalculate` of the entitlements
concerned; the register's life events (death, household change) are handled in `receivers`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.core.audit import write_audit
from minzheng.core.masking import display_name
from minzheng.core.money import quantize_money
from minzheng.core.months import Month
from minzheng.registry.models import Household, Person, Region

from .calculations import reimbursement, standard_in_force
from .exclusions import Claim, exclusion_clashes, lock_households
from .models import AmountPeriod, BankAccount, Entitlement, PaymentLine, Scheme, Standard
from .recalculation import flag_adjustment, recalculate


def _require(actor, capability: str, message: str) -> None:
    if actor is not None and not has_capability(actor, capability):
        raise PermissionDenied(message)


# --- standards ------------------------------------------------------------------------------


@transaction.atomic
def set_standard(
    *,
    actor,
    scheme: Scheme,
    region: Region,
    valid_from: Month,
    document: str,
    valid_to: Month | None = None,
    amount: Decimal | None = None,
    multiple: Decimal | None = None,
    params: dict | None = None,
) -> Standard:
    """Add a standard from a month on. An open-ended earlier row for the same region is closed the
    month before; any other overlap is refused. Entitlements affected are recalculated from
    `valid_from` — retroactively if it lies in the past (arrears then follow in the next run)."""
    _require(actor, Capability.BENEFITS_MANAGE, "您的角色不能维护待遇标准")
    Scheme.objects.select_for_update().get(pk=scheme.pk)  # one writer of a scheme's standards at a time
    if not (document or "").strip():
        raise ValidationError({"document": "请填写设定该标准的依据文件（文号）"})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": "截止月份不能早于起始月份"})
    _check_values(scheme, amount, multiple, params or {})
    rows = Standard.objects.filter(scheme=scheme, region=region)
    open_before = rows.filter(valid_to__isnull=True, valid_from__lt=valid_from.first_day).first()
    end = valid_to.first_day if valid_to else date.max
    overlapping = rows.filter(valid_from__lte=end).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from.first_day)
    )
    if open_before:
        overlapping = overlapping.exclude(pk=open_before.pk)
    clash = overlapping.first()
    if clash:
        raise ValidationError(
            {"valid_from": f"与已有标准（{clash.valid_from:%Y-%m}起）的时间重叠，请先调整原标准"}
        )
    if open_before:
        open_before.valid_to = (valid_from - 1).first_day
        open_before.save(update_fields=["valid_to", "updated_at"])
    standard = Standard.objects.create(
        scheme=scheme,
        region=region,
        valid_from=valid_from.first_day,
        valid_to=valid_to.first_day if valid_to else None,
        amount=quantize_money(amount) if amount is not None else None,
        multiple=multiple,
        params=params or {},
        document=document.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    write_audit(
        actor=actor,
        action="set_standard",
        obj=standard,
        changes={
            "scheme": scheme.code,
            "region": region.name,
            "from": str(valid_from),
            "amount": amount,
            "multiple": multiple,
            "document": document,
        },
    )
    affected = Entitlement.objects.filter(Q(scheme=scheme) | Q(scheme__base_scheme=scheme)).filter(
        region__path__startswith=region.path
    )
    recalculate(affected, from_month=valid_from, reason=f"标准调整（{document}）")
    return standard


def _check_values(scheme: Scheme, amount, multiple, params: dict) -> None:
    kind = scheme.kind
    if kind in (Scheme.Kind.FIXED, Scheme.Kind.TOP_UP) and (amount is None or amount < 0):
        raise ValidationError({"amount": "请填写标准金额（不能为负数）"})
    if kind == Scheme.Kind.MULTIPLE and (multiple is None or multiple <= 0):
        raise ValidationError({"multiple": "请填写大于0的倍数"})
    if kind == Scheme.Kind.AGE_BAND:
        bands = params.get("bands") or []
        if not bands:
            raise ValidationError({"params": "请填写年龄段及金额"})
        for band in bands:
            if "min" not in band or "amount" not in band:
                raise ValidationError({"params": "每个年龄段须有起始年龄（min）和金额（amount）"})
    if kind == Scheme.Kind.REIMBURSEMENT:
        for key in ("ratio", "annual_cap"):
            if key not in params:
                raise ValidationError({"params": f"报销标准须有 {key}（比例、年度封顶线）"})
    for rule in params.get("supplements", []):
        if rule.get("category") not in {"elderly", "minor", "disabled", "severely_disabled"}:
            raise ValidationError({"params": f"分类施保类别“{rule.get('category')}”不存在"})
        if ("percent" in rule) == ("fixed" in rule):
            raise ValidationError({"params": "每条分类施保须且只能填写比例（percent）或定额（fixed）之一"})


# --- entitlements ---------------------------------------------------------------------------


@transaction.atomic
def grant_entitlement(
    *,
    actor,
    scheme: Scheme,
    person: Person,
    start_month: Month,
    household: Household | None = None,
    end_month: Month | None = None,
    assessed_income: Decimal = Decimal("0"),
    fixed_amount: Decimal | None = None,
) -> Entitlement:
    """Grant `scheme` to `person` (and `household`, for a household scheme) from `start_month`.

    Refused when the person (or, for a household scheme, the household) already receives it,
    or when an excluded scheme is held by the person, their household or a member of the
    household (`exclusions`). Lock order: the households concerned (pk order), then the person;
    the partial unique constraints on open entitlements are the guarantee, and their violation
    becomes the same ValidationError as the checks."""
    _require(actor, Capability.BENEFITS_MANAGE, "您的角色不能核定待遇")
    if actor is not None and not region_in_scope(actor, person.region):
        raise PermissionDenied(f"{person.name}不在您的管辖范围内")
    if scheme.unit == Scheme.Unit.HOUSEHOLD and household is None:
        raise ValidationError({"household": f"“{scheme.name}”按户发放，请指定家庭户"})
    if person.death_date and Month.of(person.death_date) < start_month:
        raise ValidationError({"person": f"{person.name}已于{person.death_date:%Y-%m-%d}死亡"})
    if not scheme.is_monthly:
        end_month = start_month
        if fixed_amount is None and scheme.kind == Scheme.Kind.REIMBURSEMENT:
            raise ValidationError({"fixed_amount": "报销金额须按单核定"})
    has_exclusions = scheme.excludes.exists()
    lock_households(
        household_ids=[household.pk] if household else [],
        person_ids=[person.pk] if has_exclusions else [],
        first=start_month,
    )
    person = Person.objects.select_for_update().get(pk=person.pk)
    if has_exclusions:
        _check_exclusions(scheme, person, start_month, end_month, household=household)
    if scheme.is_monthly:
        _check_not_held(scheme, person, household)
    try:
        with transaction.atomic():
            entitlement = Entitlement.objects.create(
                scheme=scheme,
                person=person,
                household=household,
                region=household.region if household else person.region,
                start_month=start_month.first_day,
                end_month=end_month.first_day if end_month else None,
                assessed_income=quantize_money(assessed_income),
                fixed_amount=fixed_amount,
                recurring=scheme.is_monthly,
            )
    except IntegrityError:  # a concurrent grant won (one_open_entitlement_per_person/household_scheme)
        _check_not_held(scheme, person, household)
        raise
    write_audit(
        actor=actor,
        action="grant",
        obj=entitlement,
        changes={
            "scheme": scheme.code,
            "person": display_name(person),
            "from": str(start_month),
            "income": assessed_income,
            "fixed_amount": fixed_amount,
        },
    )
    recalculate(Entitlement.objects.filter(pk=entitlement.pk), from_month=start_month, reason="核定待遇")
    entitlement.refresh_from_db()
    return entitlement


def _check_not_held(scheme: Scheme, person: Person, household: Household | None) -> None:
    """A monthly scheme is held once per person, and once per household."""
    open_ = Entitlement.objects.filter(
        scheme=scheme, status__in=[Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED]
    )
    if household is not None and open_.filter(household=household, recurring=True).exists():
        raise ValidationError({"household": f"该家庭已在享受“{scheme.name}”"})
    if open_.filter(person=person, recurring=True).exists():
        raise ValidationError({"person": f"{person.name}已在享受“{scheme.name}”"})


def _check_exclusions(
    scheme: Scheme, person: Person, start: Month, end: Month | None, *, household: Household | None = None
) -> None:
    """Refuse when an excluded scheme is held in overlapping months by the person, by a household
    they belong to in `start`, or (household schemes) by a member of `household` (`exclusions`)."""
    claim = Claim(
        person_id=person.pk,
        person_name=person.name,
        start=start,
        end=end,
        household_id=household.pk if household is not None else None,
    )
    problems = exclusion_clashes(scheme, [claim])
    if problems:
        raise ValidationError({"scheme": problems[0]})


@transaction.atomic
def end_entitlement(entitlement: Entitlement, *, actor, last_month: Month, reason: str) -> Entitlement:
    """Stop paying after `last_month` (the written notice of exit gives the reason)."""
    _require(actor, Capability.BENEFITS_MANAGE, "您的角色不能终止待遇")
    entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if last_month < Month.of(entitlement.start_month):
        raise ValidationError({"end_month": "终止月份不能早于起始月份"})
    entitlement.end_month = last_month.first_day
    entitlement.status = Entitlement.Status.ENDED
    entitlement.end_reason = reason[:100]
    entitlement.save(update_fields=["end_month", "status", "end_reason", "updated_at"])
    write_audit(
        actor=actor,
        action="end_entitlement",
        obj=entitlement,
        changes={"last_month": str(last_month), "reason": reason},
    )
    recalculate(Entitlement.objects.filter(pk=entitlement.pk), from_month=last_month + 1, reason=reason)
    return entitlement


def suspend_entitlement(entitlement: Entitlement, *, actor, from_month: Month, reason: str) -> Entitlement:
    """Stop paying from `from_month` without ending the entitlement (e.g. during a review)."""
    return _switch_status(entitlement, actor=actor, from_month=from_month, reason=reason, suspend=True)


def resume_entitlement(entitlement: Entitlement, *, actor, from_month: Month, reason: str) -> Entitlement:
    return _switch_status(entitlement, actor=actor, from_month=from_month, reason=reason, suspend=False)


@transaction.atomic
def _switch_status(
    entitlement: Entitlement, *, actor, from_month: Month, reason: str, suspend: bool
) -> Entitlement:
    verb = "暂停" if suspend else "恢复"
    _require(actor, Capability.BENEFITS_MANAGE, f"您的角色不能{verb}待遇")
    active, suspended = Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED
    old, new = (active, suspended) if suspend else (suspended, active)
    updated = Entitlement.objects.filter(pk=entitlement.pk, status=old).update(
        status=new, updated_at=timezone.now()
    )
    if not updated:
        raise ValidationError(
            {"status": "只有正常发放的待遇才能暂停" if suspend else "只有暂停中的待遇才能恢复"}
        )
    write_audit(
        actor=actor,
        action="suspend_entitlement" if suspend else "resume_entitlement",
        obj=entitlement,
        changes={"from": str(from_month), "reason": reason},
    )
    recalculate(
        Entitlement.objects.filter(pk=entitlement.pk), from_month=from_month, reason=f"{verb}：{reason}"
    )
    entitlement.refresh_from_db()
    return entitlement


@transaction.atomic
def update_assessed_income(
    entitlement: Entitlement, *, actor, income: Decimal, from_month: Month
) -> Entitlement:
    _require(actor, Capability.BENEFITS_MANAGE, "您的角色不能调整核定收入")
    entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    before = entitlement.assessed_income
    entitlement.assessed_income = quantize_money(income)
    entitlement.save(update_fields=["assessed_income", "updated_at"])
    write_audit(
        actor=actor,
        action="update_income",
        obj=entitlement,
        changes={"assessed_income": {"before": str(before), "after": str(entitlement.assessed_income)}},
    )
    recalculate(Entitlement.objects.filter(pk=entitlement.pk), from_month=from_month, reason="核定收入调整")
    entitlement.refresh_from_db()
    return entitlement


# --- bank accounts --------------------------------------------------------------------------


@transaction.atomic
def set_bank_account(
    *, actor, person: Person, bank_name: str, account_name: str, account_number: str
) -> BankAccount:
    """Record (or correct) the account a person is paid into. Failed payments are re-issued next run."""
    _require(actor, Capability.BENEFITS_MANAGE, "您的角色不能维护银行账户")
    number = (account_number or "").replace(" ", "")
    if not (number.isdigit() and 12 <= len(number) <= 30):
        raise ValidationError({"account_number": "银行账号应为12至30位数字"})
    if not (account_name or "").strip():
        raise ValidationError({"account_name": "请填写户名"})
    if not (bank_name or "").strip():
        raise ValidationError({"bank_name": "请填写开户银行"})
    account, created = BankAccount.objects.select_for_update().get_or_create(
        person=person,
        defaults={
            "bank_name": bank_name.strip(),
            "account_name": account_name.strip(),
            "account_number": number,
        },
    )
    if not created:
        account.bank_name, account.account_name, account.account_number = (
            bank_name.strip(),
            account_name.strip(),
            number,
        )
        account.save()
    write_audit(
        actor=actor,
        action="set_bank_account",
        obj=account,
        changes={"bank_name": bank_name, "account_number": account.masked_number},
    )
    return account


# --- schemes and claims ---------------------------------------------------------------------


@transaction.atomic
def create_scheme(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    unit: str = Scheme.Unit.PERSON,
    paying_unit: str = "区民政局",
    base_scheme: Scheme | None = None,
    excludes: list[Scheme] | None = None,
) -> Scheme:
    _require(actor, Capability.BENEFITS_MANAGE, "您的角色不能维护待遇项目")
    if Scheme.objects.filter(code=code).exists():
        raise ValidationError({"code": f"项目代码“{code}”已存在"})
    if kind == Scheme.Kind.MULTIPLE and base_scheme is None:
        raise ValidationError({"base_scheme": "“倍数”方式须指定基准项目"})
    scheme = Scheme.objects.create(
        code=code, name=name, kind=kind, unit=unit, paying_unit=paying_unit, base_scheme=base_scheme
    )
    if excludes:
        scheme.excludes.set(excludes)
    write_audit(actor=actor, action="create", obj=scheme, changes={"code": code, "kind": kind, "unit": unit})
    return scheme


@transaction.atomic
def reimburse_claim(
    *, actor, scheme: Scheme, person: Person, month: Month, out_of_pocket: Decimal, note: str = ""
) -> Entitlement:
    """Reimburse a claim: (out-of-pocket − deductible) × ratio, limited by what is left of the
    person's annual cap. The trace says when the cap cut the amount."""
    if scheme.kind != Scheme.Kind.REIMBURSEMENT:
        raise ValidationError({"scheme": f"“{scheme.name}”不是报销类项目"})
    if out_of_pocket < 0:
        raise ValidationError({"out_of_pocket": "自付金额不能为负数"})
    Person.objects.select_for_update().get(pk=person.pk)  # one claim of a person at a time: the cap holds
    row = standard_in_force(scheme, person.region_id, month)
    if row is None:
        raise ValidationError({"scheme": f"{month}没有适用的报销标准"})
    used = quantize_money(  # SQLite returns the sum unrounded
        Entitlement.objects.filter(scheme=scheme, person=person, start_month__year=month.year).aggregate(
            total=Sum("fixed_amount")
        )["total"]
        or Decimal("0")
    )
    amount, trace = reimbursement(row, out_of_pocket, used)
    trace["note"] = note
    entitlement = grant_entitlement(
        actor=actor, scheme=scheme, person=person, start_month=month, fixed_amount=amount
    )
    Entitlement.objects.filter(pk=entitlement.pk).update(trace=trace)
    AmountPeriod.objects.filter(entitlement=entitlement).update(trace=trace)
    entitlement.trace = trace
    return entitlement


# --- retroactive end (social assistance: amounts obtained by fraud) -------------------------


@transaction.atomic
def end_entitlement_retroactively(
    entitlement: Entitlement, *, actor, from_month: Month, reason: str
) -> Entitlement:
    """Nothing was owed from `from_month` on (e.g. the entitlement was obtained by fraud).

    The entitlement ends before `from_month` (from its first month or earlier: nothing at all is
    owed), what it owed from then on is removed, and months already paid are flagged, so the next
    payroll run recovers them with recovery lines. Paid lines are never edited. Returns the
    entitlement; `end_month` is the month before `from_month` (its start month when nothing is owed).
    """
    _require(actor, Capability.BENEFITS_MANAGE, "您的角色不能终止待遇")
    entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if not entitlement.recurring:
        raise ValidationError({"entitlement": "一次性补助、报销不能按月追回"})
    start = Month.of(entitlement.start_month)
    cut = max(from_month, start)
    if entitlement.end_month and cut > Month.of(entitlement.end_month):
        raise ValidationError({"from_month": f"待遇已于{entitlement.end_month:%Y-%m}终止，之后没有发放月份"})
    entitlement.end_month = (cut - 1 if cut > start else start).first_day
    entitlement.revoked = cut == start  # not even the first month was owed
    entitlement.status = Entitlement.Status.ENDED
    entitlement.end_reason = reason[:100]
    entitlement.save(update_fields=["end_month", "revoked", "status", "end_reason", "updated_at"])
    AmountPeriod.objects.filter(entitlement=entitlement, from_month__gte=cut.first_day).delete()
    AmountPeriod.objects.filter(entitlement=entitlement, from_month__lt=cut.first_day).filter(
        Q(to_month__isnull=True) | Q(to_month__gte=cut.first_day)
    ).update(to_month=(cut - 1).first_day)
    if PaymentLine.objects.filter(entitlement=entitlement, month__gte=cut.first_day).exists():
        flag_adjustment([entitlement.pk], cut)
    write_audit(
        actor=actor,
        action="end_entitlement_retroactively",
        obj=entitlement,
        changes={"from_month": str(cut), "reason": reason},
    )
    return entitlement


# --- payee ----------------------------------------------------------------------------------


@transaction.atomic
def change_entitlement_payee(entitlement: Entitlement, *, actor, person: Person, reason: str) -> Entitlement:
    """Pay the entitlement to `person` from the next run on (e.g. the payee of a household benefit
    died). Lines already built keep their payee — the payment history is never rewritten. The
    program decides who may be payee (a current adult member, for assistance); the engine only
    refuses a dead person, an ended entitlement and a second open entitlement of the scheme."""
    if actor is not None and not (
        has_capability(actor, Capability.BENEFITS_MANAGE) or has_capability(actor, Capability.REGISTRY_CHANGE)
    ):
        raise PermissionDenied("您的角色不能变更待遇领取人")
    entitlement = (
        Entitlement.objects.select_for_update().select_related("scheme", "person").get(pk=entitlement.pk)
    )
    if actor is not None and not region_in_scope(actor, entitlement.region):
        raise PermissionDenied("该待遇资格不在您的管辖范围内")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写变更领取人的原因"})
    if entitlement.status == Entitlement.Status.ENDED:
        raise ValidationError({"entitlement": "待遇已终止，不能变更领取人"})
    if person.pk == entitlement.person_id:
        raise ValidationError({"person": "新领取人与原领取人相同"})
    if person.death_date:
        raise ValidationError({"person": f"新领取人已于{person.death_date:%Y-%m-%d}死亡"})
    clash = Entitlement.objects.filter(
        scheme=entitlement.scheme,
        person=person,
        recurring=True,
        status__in=[Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED],
    ).exclude(pk=entitlement.pk)
    if entitlement.recurring and clash.exists():
        raise ValidationError({"person": f"新领取人已在领取“{entitlement.scheme.name}”，不能重复领取"})
    before = entitlement.person
    entitlement.person = person
    entitlement.save(update_fields=["person", "updated_at"])
    write_audit(
        actor=actor,
        action="change_payee",
        obj=entitlement,
        changes={
            "person": {"before": display_name(before), "after": display_name(person)},
            "person_id": {"before": before.pk, "after": person.pk},
            "reason": reason,
        },
    )
    return entitlement
