"""Reads of the statistics layer: figures (snapshot or live), regions in the user's scope, targets,
and the records behind a figure, already limited to what the user may see."""

import logging
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from minzheng.accounts.scoping import region_in_scope, visible_to
from minzheng.core.audit import log_denied_access
from minzheng.registry.models import Region

from .models import ClosedPeriod, IndicatorSnapshot, Target
from .registry import (
    Indicator,
    IndicatorError,
    Number,
    Period,
    UnknownRegion,
    Value,
    compute,
    compute_all,
    district,
    get_indicator,
    region_for_code,
)
from .services import stored_number

security_log = logging.getLogger("minzheng.security")
CENT = Decimal("0.01")


# --- regions --------------------------------------------------------------------------------
def default_region(user) -> Region:
    if user.scope_id is not None:
        return user.scope
    if user.is_superuser:
        return district()
    raise Http404


def region_for_user(user, code: str, period: Period) -> Region:
    """The region node `code` (or the user's own scope); outside the scope or unknown is a logged 404."""
    code = (code or "").strip()
    if not code:
        return default_region(user)
    try:
        region = region_for_code(code, period)
    except UnknownRegion:
        raise Http404(f"区划代码“{code}”不存在")
    if not region_in_scope(user, region):
        security_log.warning("out-of-scope statistics: user=%s region=%s", user.pk, code)
        log_denied_access(actor=user, model_label="registry.Region", object_id=region.pk)
        raise Http404
    return region


def region_chain(user, region: Region) -> list[tuple[Region, bool]]:
    """District → 镇街 → 村居 down to `region`, each with whether the user may open it."""
    ids = [int(part) for part in region.path.strip("/").split("/") if part]
    nodes = {node.pk: node for node in Region.objects.filter(pk__in=ids)}
    return [(nodes[pk], region_in_scope(user, nodes[pk])) for pk in ids if pk in nodes]


# --- figures: the snapshot of a closed period, or the live value ----------------------------
def _restore(number: Decimal | None, indicator: Indicator | None = None) -> Number | None:
    if number is None:
        return None
    if indicator is not None and (indicator.is_money or indicator.is_rate):
        return number.quantize(CENT, rounding=ROUND_HALF_UP)
    if number == number.to_integral_value():
        return int(number)
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Figure:
    """A figure as reports show it: the closed period's snapshot when there is one, else live."""

    indicator: Indicator
    period: Period
    region: Region
    live: Value
    snapshot: IndicatorSnapshot | None = None
    closed: bool = False

    @property
    def value(self) -> Number | None:
        return _restore(self.snapshot.value, self.indicator) if self.snapshot else self.live.value

    @property
    def numerator(self) -> Number | None:
        return _restore(self.snapshot.numerator) if self.snapshot else self.live.numerator

    @property
    def denominator(self) -> Number | None:
        return _restore(self.snapshot.denominator) if self.snapshot else self.live.denominator

    @property
    def exact(self) -> Number | None:
        """Money: the exact yuan sum behind the figure (for other roundings, e.g. one decimal)."""
        if self.snapshot:
            return self.snapshot.exact_value
        return self.live.exact

    @property
    def source(self) -> str:
        return "snapshot" if self.snapshot else "live"

    @property
    def differs(self) -> bool:
        """The records changed after the period was closed: the live value is not the snapshot's."""
        if not self.snapshot:
            return False
        snap = (self.snapshot.value, self.snapshot.numerator, self.snapshot.denominator)
        live = tuple(stored_number(n) for n in (self.live.value, self.live.numerator, self.live.denominator))
        return snap != live

    @property
    def is_empty(self) -> bool:
        return self.value is None


def closure_for(period: Period) -> ClosedPeriod | None:
    return ClosedPeriod.objects.filter(period=str(period)).first()


def figures(period: Period, region: Region, ids: list[str] | None = None) -> list[Figure]:
    """Every (or the chosen) indicator for a period and region, from its snapshot when closed."""
    closure = closure_for(period)
    snapshots = {}
    if closure is not None:
        snapshots = {
            snap.indicator_id: snap
            for snap in IndicatorSnapshot.objects.filter(period=str(period), region=region)
        }
    return [
        Figure(value.indicator, period, region, value, snapshots.get(value.indicator.id), closure is not None)
        for value in compute_all(period, region, ids)
    ]


def figure(indicator_id: str, period: Period, region: Region) -> Figure:
    return figures(period, region, [indicator_id])[0]


def by_region(indicator: Indicator, period: Period, regions: list[Region]) -> list[Value]:
    return [compute(indicator.id, period, region) for region in regions]


def by_month(indicator: Indicator, period: Period, region: Region, today: date | None = None) -> list[Value]:
    """The indicator for each month of the period's year up to the period's end (line charts)."""
    year = Period.for_year(period.year)
    months = [month for month in year.months(today) if month.end <= period.end]
    return [compute(indicator.id, month, region) for month in months]


# --- targets --------------------------------------------------------------------------------
@dataclass
class TargetProgress:
    target: Target
    indicator: Indicator | None
    live: Value | None = None
    percent: Decimal | None = None
    status: str = ""


def target_progress(target: Target, *, today: date | None = None) -> TargetProgress:
    """The live district value of the target's year against the target (percentage reached)."""
    today = today or timezone.localdate()
    try:
        indicator = get_indicator(target.indicator_id)
    except IndicatorError:
        return TargetProgress(target, None, status="该指标尚未在平台登记，暂不能计算进度")
    if target.year > today.year:
        return TargetProgress(target, indicator, status="目标年度尚未开始")
    live = compute(indicator.id, Period.for_year(target.year), district())
    if live.value is None:
        return TargetProgress(target, indicator, live, status="本年度暂无记录")
    percent = None
    if target.value:
        percent = (Decimal(live.value) * 100 / target.value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    status = "已达到目标" if Decimal(live.value) >= target.value else "尚未达到目标"
    return TargetProgress(target, indicator, live, percent, status)


def targets_from(year: int, *, today: date | None = None) -> list[TargetProgress]:
    """Targets for `year` and later, with progress, in year and indicator order."""
    return [target_progress(t, today=today) for t in Target.objects.filter(year__gte=year)]


def targets_of(indicator_id: str) -> list[TargetProgress]:
    return [target_progress(t) for t in Target.objects.filter(indicator_id=indicator_id)]


# --- records behind a figure ----------------------------------------------------------------
def records_for(user, indicator: Indicator, period: Period, region: Region) -> tuple[Value, QuerySet | None]:
    """The live value and the records it counted, limited to what the user may see."""
    value = compute(indicator.id, period, region)
    records = value.records
    if records is not None and hasattr(records.model, "SCOPE_FIELD"):
        records = visible_to(user, records)
    if records is not None and not records.ordered:
        records = records.order_by("pk")
    return value, records
