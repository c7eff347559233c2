"""Writes of 防灾减灾救灾: record an event, open and close shelters, give relief to households.

Cash relief goes through the benefits engine as a one-off entitlement of scheme
`disaster_relief` (paid in the payroll run of the month it was given, like any other payment);
the relief record keeps the link. Goods are recorded here. An event names the 镇街 it
affected: shelters and relief must lie in one of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.benefits.models import Scheme
from minzheng.benefits.services import grant_entitlement
from minzheng.core.audit import write_audit
from minzheng.core.money import quantize_money
from minzheng.core.months import Month
from minzheng.registry.models import Household, Person, Region

from ..models.disaster import DisasterEvent, ReliefGiven, ShelterOpening

RELIEF_SCHEME = "disaster_relief"


def _require(actor, region, subject: str) -> None:
    if not has_capability(actor, Capability.REGISTRY_CHANGE):
        raise PermissionDenied("您的角色不能登记防灾减灾救灾信息")
    if not region_in_scope(actor, region):
        raise PermissionDenied(f"{subject}不在您的管辖范围内")


def _check_day(field: str, day: date | None, label: str, event: DisasterEvent | None = None) -> None:
    if day is None:
        raise ValidationError({field: f"请填写{label}"})
    if day > timezone.localdate():
        raise ValidationError({field: f"{label}不能晚于今天"})
    if event is not None and day < event.started_on:
        raise ValidationError({field: f"{label}不能早于灾害开始日期（{event.started_on:%Y-%m-%d}）"})


def _town_of(region: Region) -> Region:
    """The 镇街 a region lies in (the region itself for a 镇街)."""
    if region.level == Region.Level.TOWN:
        return region
    if region.level == Region.Level.VILLAGE and region.parent_id:
        return region.parent
    raise ValidationError({"region": "请选择镇街或村居"})


def _check_affected(event: DisasterEvent, region: Region, field: str) -> None:
    town = _town_of(region)
    if not event.affected_towns.filter(pk=town.pk).exists():
        raise ValidationError({field: f"{town.name}不在“{event.name}”的受影响镇街中"})


@transaction.atomic
def record_event(
    *,
    actor,
    name: str,
    kind: str,
    started_on: date,
    affected_towns: Iterable[Region],
    warning_level: str = "",
    ended_on: date | None = None,
    description: str = "",
) -> DisasterEvent:
    """Record a disaster event. The actor's scope must cover every affected 镇街."""
    if not has_capability(actor, Capability.REGISTRY_CHANGE):
        raise PermissionDenied("您的角色不能登记灾害事件")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写灾害名称"})
    if kind not in DisasterEvent.Kind.values:
        raise ValidationError({"kind": "请选择灾害类别"})
    if warning_level and warning_level not in DisasterEvent.WarningLevel.values:
        raise ValidationError({"warning_level": "预警级别不正确"})
    _check_day("started_on", started_on, "开始日期")
    if ended_on is not None and ended_on < started_on:
        raise ValidationError({"ended_on": "结束日期不能早于开始日期"})
    towns = list(affected_towns)
    if not towns:
        raise ValidationError({"affected_towns": "请选择至少一个受影响镇街"})
    for town in towns:
        if town.level != Region.Level.TOWN:
            raise ValidationError({"affected_towns": f"“{town.name}”不是镇街"})
        if not region_in_scope(actor, town):
            raise PermissionDenied(f"{town.name}不在您的管辖范围内")
    if DisasterEvent.objects.filter(name=name, started_on=started_on).exists():
        raise ValidationError({"name": f"“{name}”（{started_on:%Y-%m-%d}）已登记"})
    event = DisasterEvent.objects.create(
        name=name,
        kind=kind,
        warning_level=warning_level,
        started_on=started_on,
        ended_on=ended_on,
        description=(description or "").strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    event.affected_towns.set(towns)
    write_audit(
        actor=actor,
        action="disaster_event",
        obj=event,
        changes={"kind": kind, "started_on": started_on, "towns": "、".join(t.name for t in towns)},
    )
    return event


@transaction.atomic
def end_event(event: DisasterEvent, *, actor, ended_on: date) -> DisasterEvent:
    event = DisasterEvent.objects.select_for_update().get(pk=event.pk)
    for town in event.affected_towns.all():
        _require(actor, town, town.name)
    _check_day("ended_on", ended_on, "结束日期", event)
    event.ended_on = ended_on
    event.save(update_fields=["ended_on", "updated_at"])
    write_audit(actor=actor, action="disaster_event_end", obj=event, changes={"ended_on": ended_on})
    return event


@transaction.atomic
def open_shelter(
    *,
    actor,
    event: DisasterEvent,
    place: str,
    region: Region,
    opened_on: date,
    people_sheltered: int = 0,
    closed_on: date | None = None,
) -> ShelterOpening:
    """Record a shelter opened for an event (and, when known, when it closed and how many it took in)."""
    _require(actor, region, region.name)
    place = (place or "").strip()
    if not place:
        raise ValidationError({"place": "请填写安置场所"})
    _check_affected(event, region, "region")
    _check_day("opened_on", opened_on, "启用日期", event)
    if closed_on is not None and closed_on < opened_on:
        raise ValidationError({"closed_on": "关闭日期不能早于启用日期"})
    if people_sheltered is None or people_sheltered < 0:
        raise ValidationError({"people_sheltered": "安置人数不能为负数"})
    shelter = ShelterOpening.objects.create(
        event=event,
        place=place,
        region=region,
        opened_on=opened_on,
        closed_on=closed_on,
        people_sheltered=people_sheltered,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    write_audit(
        actor=actor,
        action="shelter_open",
        obj=shelter,
        changes={"event": event.name, "opened_on": opened_on, "people": people_sheltered},
    )
    return shelter


@transaction.atomic
def close_shelter(
    shelter: ShelterOpening, *, actor, closed_on: date, people_sheltered: int | None = None
) -> ShelterOpening:
    shelter = (
        ShelterOpening.objects.select_for_update(of=("self",)).select_related("region").get(pk=shelter.pk)
    )
    _require(actor, shelter.region, shelter.region.name)
    if shelter.closed_on is not None:
        raise ValidationError({"closed_on": f"该场所已于{shelter.closed_on:%Y-%m-%d}关闭"})
    _check_day("closed_on", closed_on, "关闭日期")
    if closed_on < shelter.opened_on:
        raise ValidationError({"closed_on": "关闭日期不能早于启用日期"})
    if people_sheltered is not None:
        if people_sheltered < 0:
            raise ValidationError({"people_sheltered": "安置人数不能为负数"})
        shelter.people_sheltered = people_sheltered
    shelter.closed_on = closed_on
    shelter.save(update_fields=["closed_on", "people_sheltered", "updated_at"])
    write_audit(
        actor=actor,
        action="shelter_close",
        obj=shelter,
        changes={"closed_on": closed_on, "people": shelter.people_sheltered},
    )
    return shelter


def _relief_target(actor, event: DisasterEvent, household: Household, given_on: date) -> Household:
    household = Household.objects.select_related("region", "region__parent", "head").get(pk=household.pk)
    _require(actor, household.region, str(household))
    _check_affected(event, household.region, "household")
    _check_day("given_on", given_on, "发放日期", event)
    return household


@transaction.atomic
def give_relief_cash(
    *,
    actor,
    event: DisasterEvent,
    household: Household,
    amount: Decimal,
    given_on: date,
    recipient: Person | None = None,
) -> ReliefGiven:
    """Grant a one-off `disaster_relief` entitlement (paid in the month of `given_on`) and record it.
    One cash relief per household and event; the recipient defaults to the head of household."""
    household = _relief_target(actor, event, household, given_on)
    try:
        amount = quantize_money(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"amount": "救助金额格式不正确"})
    if amount <= 0:
        raise ValidationError({"amount": "救助金额须大于0"})
    recipient = recipient or household.head
    if (
        recipient is None
        or not household.memberships.filter(person=recipient, valid_to__isnull=True).exists()
    ):
        raise ValidationError({"recipient": "领取人须是该户的现有成员"})
    if ReliefGiven.objects.filter(event=event, household=household, kind=ReliefGiven.Kind.CASH).exists():
        raise ValidationError({"household": f"{household}已领取“{event.name}”救助金，不能重复发放"})
    scheme = Scheme.objects.filter(code=RELIEF_SCHEME).first()
    if scheme is None:
        raise ValidationError({"amount": "尚未设立“受灾群众生活救助”待遇项目，请先运行 setup_programs"})
    entitlement = grant_entitlement(
        actor=actor,
        scheme=scheme,
        person=recipient,
        household=household,
        start_month=Month.of(given_on),
        fixed_amount=amount,
    )
    relief = ReliefGiven.objects.create(
        event=event,
        household=household,
        region=household.region,
        kind=ReliefGiven.Kind.CASH,
        given_on=given_on,
        amount=amount,
        entitlement=entitlement,
        given_by=actor if getattr(actor, "pk", None) else None,
    )
    write_audit(
        actor=actor,
        action="relief_cash",
        obj=relief,
        changes={
            "event": event.name,
            "household": household,
            "amount": amount,
            "entitlement": entitlement.pk,
        },
    )
    return relief


@transaction.atomic
def give_relief_goods(
    *,
    actor,
    event: DisasterEvent,
    household: Household,
    item: str,
    quantity: Decimal,
    unit: str,
    given_on: date,
) -> ReliefGiven:
    household = _relief_target(actor, event, household, given_on)
    item, unit = (item or "").strip(), (unit or "").strip()
    if not item:
        raise ValidationError({"item": "请填写物资名称"})
    if not unit:
        raise ValidationError({"unit": "请填写计量单位"})
    try:
        quantity = Decimal(quantity)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"quantity": "数量格式不正确"})
    if quantity <= 0:
        raise ValidationError({"quantity": "数量须大于0"})
    relief = ReliefGiven.objects.create(
        event=event,
        household=household,
        region=household.region,
        kind=ReliefGiven.Kind.GOODS,
        given_on=given_on,
        item=item,
        quantity=quantity,
        unit=unit,
        given_by=actor if getattr(actor, "pk", None) else None,
    )
    write_audit(
        actor=actor,
        action="relief_goods",
        obj=relief,
        changes={
            "event": event.name,
            "household": household,
            "item": item,
            "quantity": quantity,
            "unit": unit,
        },
    )
    return relief
