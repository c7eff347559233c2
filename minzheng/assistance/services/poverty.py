"""Writes of 精准扶贫: register a poor household, pair a helper, record measures and visits, exit.

Every service checks the actor's role (`registry.change`) and scope (the household's 村居),
validates with Chinese messages naming the field, and writes the audit row in its transaction.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.core.audit import write_audit
from minzheng.core.money import quantize_money
from minzheng.registry.models import Household, Membership

from ..models.poverty import (
    PairedHelper,
    PoorHousehold,
    PovertyCause,
    PovertyMeasure,
    PovertyStatus,
    PovertyVisit,
)


def _require(actor, region, subject: str) -> None:
    if not has_capability(actor, Capability.REGISTRY_CHANGE):
        raise PermissionDenied("您的角色不能维护扶贫档案")
    if not region_in_scope(actor, region):
        raise PermissionDenied(f"{subject}不在您的管辖范围内")


def _not_future(field: str, day: date, label: str) -> None:
    if day is None:
        raise ValidationError({field: f"请填写{label}"})
    if day > timezone.localdate():
        raise ValidationError({field: f"{label}不能晚于今天"})


def _lock(poor_household: PoorHousehold) -> PoorHousehold:
    """Re-read the record under a row lock (one writer of a household's file at a time)."""
    return (
        PoorHousehold.objects.select_for_update(of=("self",))
        .select_related("household", "region")
        .get(pk=poor_household.pk)
    )


def _open_record(poor_household: PoorHousehold, actor, action: str) -> PoorHousehold:
    """Lock the record, check the actor may change it, and refuse a household that has exited."""
    record = _lock(poor_household)
    _require(actor, record.region, str(record.household))
    if record.status != PovertyStatus.REGISTERED:
        raise ValidationError({"status": f"该户已于{record.exited_on:%Y-%m-%d}脱贫，不能再{action}"})
    return record


def current_members(household: Household, on: date) -> int:
    return (
        Membership.objects.filter(household=household, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .count()
    )


@transaction.atomic
def register_poor_household(
    *, actor, household: Household, registered_on: date, cause: str, persons: int | None = None
) -> PoorHousehold:
    """Put a household on the register (精准核查). `persons` defaults to its members on that day."""
    household = (
        Household.objects.select_for_update(of=("self",))
        .select_related("region", "head")
        .get(pk=household.pk)
    )
    _require(actor, household.region, str(household))
    _not_future("registered_on", registered_on, "建档日期")
    if cause not in PovertyCause.values:
        raise ValidationError({"cause": "请选择主要致贫原因"})
    if persons is None:
        persons = current_members(household, registered_on)
    if persons < 1:
        raise ValidationError({"persons": "建档人口至少为1人"})
    if PoorHousehold.objects.filter(household=household, status=PovertyStatus.REGISTERED).exists():
        raise ValidationError({"household": f"{household}已在贫困户名册中"})
    record = PoorHousehold.objects.create(
        household=household,
        region=household.region,
        registered_on=registered_on,
        persons=persons,
        cause=cause,
        registered_by=actor if getattr(actor, "pk", None) else None,
    )
    write_audit(
        actor=actor,
        action="poverty_register",
        obj=record,
        changes={"household": household, "registered_on": registered_on, "persons": persons, "cause": cause},
    )
    return record


@transaction.atomic
def pair_helper(
    poor_household: PoorHousehold,
    *,
    actor,
    name: str,
    unit: str,
    valid_from: date,
    is_party_member: bool = True,
    phone: str = "",
) -> PairedHelper:
    """Pair a helper with the household (“一对一”): the current pairing, if any, ends the day before."""
    record = _open_record(poor_household, actor, "结对帮扶")
    name, unit, phone = (name or "").strip(), (unit or "").strip(), (phone or "").strip()
    if not name:
        raise ValidationError({"name": "请填写帮扶人姓名"})
    if not unit:
        raise ValidationError({"unit": "请填写帮扶人工作单位"})
    if phone and not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
        raise ValidationError({"phone": "联系电话应为7至20位数字"})
    _not_future("valid_from", valid_from, "结对日期")
    if valid_from < record.registered_on:
        raise ValidationError({"valid_from": f"结对日期不能早于建档日期（{record.registered_on:%Y-%m-%d}）"})
    current = record.helpers.filter(valid_to__isnull=True).order_by("-valid_from").first()
    if current is not None:
        if valid_from <= current.valid_from:
            raise ValidationError(
                {
                    "valid_from": f"结对日期须晚于现帮扶人{current.name}的结对日期（{current.valid_from:%Y-%m-%d}）"
                }
            )
        current.valid_to = valid_from - timedelta(days=1)
        current.save(update_fields=["valid_to", "updated_at"])
    helper = PairedHelper.objects.create(
        poor_household=record,
        name=name,
        unit=unit,
        is_party_member=is_party_member,
        phone=phone,
        valid_from=valid_from,
    )
    write_audit(
        actor=actor,
        action="poverty_pair_helper",
        obj=record,
        changes={
            "helper": name,
            "unit": unit,
            "from": valid_from,
            "replaces": current.name if current else "",
        },
    )
    return helper


@transaction.atomic
def add_measure(
    poor_household: PoorHousehold,
    *,
    actor,
    kind: str,
    description: str,
    taken_on: date,
    funds: Decimal = Decimal("0"),
) -> PovertyMeasure:
    record = _open_record(poor_household, actor, "新增帮扶措施")
    if kind not in PovertyMeasure.Kind.values:
        raise ValidationError({"kind": "请选择措施类别"})
    if not (description or "").strip():
        raise ValidationError({"description": "请填写措施内容"})
    _not_future("taken_on", taken_on, "实施日期")
    if taken_on < record.registered_on:
        raise ValidationError({"taken_on": f"实施日期不能早于建档日期（{record.registered_on:%Y-%m-%d}）"})
    if funds is None or Decimal(funds) < 0:
        raise ValidationError({"funds": "投入资金不能为负数"})
    measure = PovertyMeasure.objects.create(
        poor_household=record,
        kind=kind,
        description=description.strip(),
        taken_on=taken_on,
        funds=quantize_money(funds),
    )
    write_audit(
        actor=actor,
        action="poverty_measure",
        obj=record,
        changes={
            "kind": kind,
            "description": measure.description,
            "taken_on": taken_on,
            "funds": measure.funds,
        },
    )
    return measure


@transaction.atomic
def record_visit(
    poor_household: PoorHousehold,
    *,
    actor,
    visited_on: date,
    notes: str,
    helper: PairedHelper | None = None,
    income_per_person: Decimal | None = None,
) -> PovertyVisit:
    record = _open_record(poor_household, actor, "登记走访")
    _not_future("visited_on", visited_on, "走访日期")
    if visited_on < record.registered_on:
        raise ValidationError({"visited_on": f"走访日期不能早于建档日期（{record.registered_on:%Y-%m-%d}）"})
    if not (notes or "").strip():
        raise ValidationError({"notes": "请填写走访情况"})
    if helper is not None and helper.poor_household_id != record.pk:
        raise ValidationError({"helper": "走访帮扶人须是与该户结对的帮扶人"})
    if income_per_person is not None and Decimal(income_per_person) < 0:
        raise ValidationError({"income_per_person": "人均收入不能为负数"})
    visit = PovertyVisit.objects.create(
        poor_household=record,
        visited_on=visited_on,
        helper=helper,
        notes=notes.strip(),
        income_per_person=quantize_money(income_per_person) if income_per_person is not None else None,
    )
    write_audit(
        actor=actor,
        action="poverty_visit",
        obj=record,
        changes={
            "visited_on": visited_on,
            "helper": helper.name if helper else "",
            "income": income_per_person,
        },
    )
    return visit


@transaction.atomic
def exit_household(
    poor_household: PoorHousehold, *, actor, exited_on: date, verification: str
) -> PoorHousehold:
    """Record the household's exit (脱贫) after verification. Needs at least one measure and one
    visit on or before the exit date."""
    record = _open_record(poor_household, actor, "办理脱贫")
    _not_future("exited_on", exited_on, "脱贫日期")
    if exited_on < record.registered_on:
        raise ValidationError({"exited_on": f"脱贫日期不能早于建档日期（{record.registered_on:%Y-%m-%d}）"})
    if not (verification or "").strip():
        raise ValidationError({"verification": "请填写脱贫核验情况（收入核查、“两不愁三保障”等）"})
    if not record.measures.filter(taken_on__lte=exited_on).exists():
        raise ValidationError({"status": "该户在脱贫日期前没有任何帮扶措施记录，不能办理脱贫"})
    if not record.visits.filter(visited_on__lte=exited_on).exists():
        raise ValidationError({"status": "该户在脱贫日期前没有任何走访记录，不能办理脱贫"})
    updated = PoorHousehold.objects.filter(pk=record.pk, status=PovertyStatus.REGISTERED).update(
        status=PovertyStatus.EXITED,
        exited_on=exited_on,
        exit_verification=verification.strip(),
        updated_at=timezone.now(),
    )
    if not updated:  # pragma: no cover - the row lock above makes this a safety net
        raise ValidationError({"status": "该户状态已被他人修改，请刷新"})
    record.refresh_from_db()
    write_audit(
        actor=actor,
        action="poverty_exit",
        obj=record,
        changes={"exited_on": exited_on, "verification": record.exit_verification},
    )
    return record


@transaction.atomic
def reopen_household(poor_household: PoorHousehold, *, actor, reason: str) -> PoorHousehold:
    """Withdraw an exit recorded in error (撤销脱贫): the household is back on the register as if it
    had never left. A household that falls back into poverty later is registered anew instead."""
    record = _lock(poor_household)
    _require(actor, record.region, str(record.household))
    if record.status != PovertyStatus.EXITED:
        raise ValidationError({"status": "该户尚未脱贫，无需撤销"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写撤销脱贫的原因"})
    if PoorHousehold.objects.filter(household=record.household, status=PovertyStatus.REGISTERED).exists():
        raise ValidationError({"household": "该家庭已重新建档，不能撤销原脱贫记录"})
    previous = {"exited_on": record.exited_on, "verification": record.exit_verification}
    record.status = PovertyStatus.REGISTERED
    record.exited_on = None
    record.exit_verification = ""
    record.save(update_fields=["status", "exited_on", "exit_verification", "updated_at"])
    write_audit(
        actor=actor, action="poverty_reopen", obj=record, changes={**previous, "reason": reason.strip()}
    )
    return record
