"""Writes of the statistics layer: closing a period (snapshots) and the plan's targets."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.core.audit import diff_fields, write_audit

from .models import ClosedPeriod, IndicatorSnapshot, Target
from .registry import IndicatorError, Period, all_indicators, compute_all, district, get_indicator, towns_at

SNAPSHOT_PLACES = Decimal("0.0001")


def can_manage_stats(user) -> bool:
    """Closing periods and setting targets: the system administrator and district sections."""
    if user is None:
        return True  # the system itself (management commands)
    if not has_capability(user, Capability.STATS_MANAGE):
        return False
    # a district-wide figure is closed for the whole district, so only district-wide users do it
    if user.scope_id is None:
        return user.is_superuser
    return user.scope.parent_id is None


def _check(actor) -> None:
    if not can_manage_stats(actor):
        raise PermissionDenied("只有区局科室或系统管理员可以结账统计期和维护年度目标")


def stored_number(value) -> Decimal | None:
    """A figure as a snapshot stores it (four decimals; counts stay whole)."""
    if value is None:
        return None
    return Decimal(value).quantize(SNAPSHOT_PLACES)


def close_period(period: Period, *, actor, today=None) -> ClosedPeriod:
    """Freeze every indicator of `period` for the district and each 镇街 in force at its end.

    The period must have ended; a period is closed once (its snapshots are never rewritten).
    """
    _check(actor)
    today = today or timezone.localdate()
    if not period.has_ended(today):
        raise ValidationError({"period": f"统计期“{period}”尚未结束（截止 {period.end:%Y-%m-%d}），不能结账"})
    if ClosedPeriod.objects.filter(period=str(period)).exists():
        raise ValidationError({"period": f"统计期“{period}”已经结账，快照不能重算"})
    regions = [district(), *towns_at(period)]
    indicators = all_indicators()
    now = timezone.now()
    with transaction.atomic():
        closure = ClosedPeriod.objects.create(
            period=str(period),
            kind=period.kind,
            start=period.start,
            end=period.end,
            closed_by=actor if getattr(actor, "pk", None) else None,
            indicator_count=len(indicators),
            region_count=len(regions),
        )
        rows = []
        for region in regions:
            for value in compute_all(period, region):
                rows.append(
                    IndicatorSnapshot(
                        closure=closure,
                        indicator_id=value.indicator.id,
                        period=str(period),
                        region=region,
                        value=stored_number(value.value),
                        numerator=stored_number(value.numerator),
                        denominator=stored_number(value.denominator),
                        exact_value=value.exact,
                        computed_at=now,
                    )
                )
        IndicatorSnapshot.objects.bulk_create(rows, batch_size=1000)
        write_audit(
            actor=actor,
            action="close_period",
            obj=closure,
            object_repr=f"统计期{period.label}结账",
            changes={"period": str(period), "indicators": len(indicators), "regions": len(regions)},
        )
    return closure


def _target_value(value) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": f"目标值“{value}”不是数字"})
    if not number.is_finite() or number < 0:
        raise ValidationError({"value": "目标值应为不小于 0 的数字"})
    return number.quantize(Decimal("0.01"))


def set_target(*, actor, indicator_id: str, year: int, value, note: str = "") -> Target:
    """Create or change the target of an indicator for a year (the indicator must be registered)."""
    _check(actor)
    try:
        indicator = get_indicator(indicator_id)
    except IndicatorError as exc:
        raise ValidationError({"indicator_id": str(exc)})
    if not isinstance(year, int) or not 1949 <= year <= 2100:
        raise ValidationError({"year": f"目标年度“{year}”不正确，应为四位年份"})
    number = _target_value(value)
    if indicator.is_rate and number > 100:
        raise ValidationError({"value": "比例类指标的目标值不能超过 100%"})
    with transaction.atomic():
        target = Target.objects.select_for_update().filter(indicator_id=indicator.id, year=year).first()
        if target is None:
            target = Target.objects.create(
                indicator_id=indicator.id,
                year=year,
                value=number,
                note=note,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            write_audit(
                actor=actor,
                action="create",
                obj=target,
                object_repr=f"{year}年目标：{indicator.name}",
                changes={"indicator": indicator.id, "year": year, "value": number, "note": note},
            )
            return target
        before = {"value": target.value, "note": target.note}
        target.value, target.note = number, note
        target.save(update_fields=["value", "note", "updated_at"])
        changes = diff_fields(before, {"value": number, "note": note})
        if changes:
            write_audit(
                actor=actor,
                action="update",
                obj=target,
                object_repr=f"{year}年目标：{indicator.name}",
                changes=changes,
            )
    return target


def delete_target(target: Target, *, actor) -> None:
    _check(actor)
    with transaction.atomic():
        write_audit(
            actor=actor,
            action="delete",
            obj=target,
            changes={"indicator": target.indicator_id, "year": target.year, "value": target.value},
        )
        target.delete()
