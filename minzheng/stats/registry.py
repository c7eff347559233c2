"""The indicator registry: every figure the bureau reports, defined once as a function over records.

Apps register indicators in their own `indicators` module (autodiscovered by `stats`)::

    @indicator("assistance.dibao.households", name=_("在册低保户"), unit="户", kind="stock",
               definition=_("统计期末处于有效状态的低保家庭户数"))
    def dibao_households(period, region):
        return Result(value=qs.count(), records=qs)    # or simply the number

A function receives a `Period` and a `Region` node (district, 镇街 or 村居) and returns a
number, `None` (no records for this area yet: never an invented zero), or a `Result`:
- counts are ints;
- money indicators (unit "万元") return the exact sum in yuan as a Decimal; the registry
  converts it to 万元 with two decimals, half-up (`core.money.to_wan_yuan`), in one place;
- rates (kind "rate") return `Result(numerator=…, denominator=…)`; the registry fills the value
  as a percentage with two decimals (None when the denominator is 0).
`Result.records` may carry the queryset that was counted (for drill-down lists); `columns`
on the decorator names what the drill-down list shows of each record, as (header, field path)
pairs (without it the list shows the model's own fields; ID numbers and phones are always
masked). An indicator's area (its report chapter) follows from its id prefix (`areas.py`).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone, translation

from minzheng.core.money import to_wan_yuan
from minzheng.registry.models import Region

from .areas import Area, area_for

KINDS = {"stock", "flow", "rate"}
MONEY_UNIT = "万元"
RATE_UNIT = "%"


class IndicatorError(ValueError):
    """A request for figures that cannot be answered (bad period, unknown indicator, bad region)."""


class PeriodError(IndicatorError):
    pass


class UnknownIndicator(IndicatorError):
    pass


class UnknownRegion(IndicatorError):
    pass


# --- periods --------------------------------------------------------------------------------
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_FORMS = "年份（如 2018）、季度（如 2018Q4）或月份（如 2018-12）"


@dataclass(frozen=True, order=True)
class Period:
    """A statistics period: a year, a quarter or a month. `start` and `end` are inclusive."""

    start: date
    end: date
    kind: str  # "year" | "quarter" | "month"

    @classmethod
    def for_year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    @classmethod
    def for_quarter(cls, year: int, quarter: int) -> "Period":
        start = date(year, 3 * quarter - 2, 1)
        return cls(start, _month_end(year, 3 * quarter), "quarter")

    @classmethod
    def for_month(cls, year: int, month: int) -> "Period":
        return cls(date(year, month, 1), _month_end(year, month), "month")

    @classmethod
    def parse(cls, text: str | int, *, today: date | None = None) -> "Period":
        """ "2018", "2018Q4" or "2018-12"; a malformed or future period is a PeriodError."""
        raw = str(text).strip()
        if match := _YEAR.match(raw):
            period = cls.for_year(int(match[1]))
        elif match := _QUARTER.match(raw):
            period = cls.for_quarter(int(match[1]), int(match[2]))
        elif match := _MONTH.match(raw):
            period = cls.for_month(int(match[1]), int(match[2]))
        else:
            raise PeriodError(f"统计期“{raw}”格式不正确，应为{_FORMS}")
        if period.start.year < 1949:
            raise PeriodError(f"统计期“{raw}”早于可统计的年份（1949 年起）")
        return period.check_not_future(today)

    def check_not_future(self, today: date | None = None) -> "Period":
        today = today or timezone.localdate()
        if self.start > today:
            raise PeriodError(f"统计期“{self}”尚未开始，不能统计未来的数据")
        return self

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def label(self) -> str:
        """The period in Chinese: 2018年, 2018年第四季度, 2018年12月."""
        if self.kind == "year":
            return f"{self.start.year}年"
        if self.kind == "quarter":
            return f"{self.start.year}年第{'一二三四'[(self.start.month - 1) // 3]}季度"
        return f"{self.start.year}年{self.start.month}月"

    def has_ended(self, today: date | None = None) -> bool:
        return self.end < (today or timezone.localdate())

    def months(self, today: date | None = None) -> list["Period"]:
        """The months of the period that have started (for a line chart by month)."""
        today = today or timezone.localdate()
        found = []
        month = self.start
        while month <= self.end and month <= today:
            found.append(Period.for_month(month.year, month.month))
            month = found[-1].end + timedelta(days=1)
        return found

    def __str__(self) -> str:
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month + 2) // 3}"
        return f"{self.start:%Y-%m}"


def _month_end(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


# --- regions --------------------------------------------------------------------------------
def region_for_code(code: str, period: Period | None = None) -> Region:
    """The region node with this code, as it stood at the period's end (codes are reused over time)."""
    code = (code or "").strip()
    candidates = Region.objects.filter(code=code)
    if period is not None:
        valid = candidates.filter(valid_from__lte=period.end).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=period.end)
        )
        found = valid.order_by("-valid_from").first()
        if found is not None:
            return found
    found = candidates.filter(valid_to__isnull=True).first() or candidates.order_by("-valid_from").first()
    if found is None:
        raise UnknownRegion(f"区划代码“{code}”不存在")
    return found


def subtree(region: Region) -> QuerySet[Region]:
    """The ids of the region and everything under it, for `region_id__in=` filters."""
    return Region.objects.filter(path__startswith=region.path).values("id")


def _in_force(nodes: QuerySet[Region], period: Period) -> QuerySet[Region]:
    return nodes.filter(valid_from__lte=period.end).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=period.end)
    )


def _successors(nodes) -> list[Region]:
    """Each node, or the node that succeeded it (沙湾镇 → 沙湾街道): the records of a renamed node's
    villages hang under its successor, so rows and drill-downs use the successor; in code order."""
    found: dict[int, Region] = {}
    for node in nodes:
        seen = set()
        while node.successor_id and node.pk not in seen:
            seen.add(node.pk)
            node = node.successor
        found[node.pk] = node
    return sorted(found.values(), key=lambda node: (node.code, node.pk))


def children_at(region: Region, period: Period) -> list[Region]:
    """The nodes directly under `region` in force at the period's end (a renamed node as its
    successor), in code order."""
    return _successors(_in_force(Region.objects.filter(parent=region), period).select_related("successor"))


def towns_at(period: Period) -> list[Region]:
    """The 镇街 in force at the period's end (a renamed one as its successor), in code order: the
    rows of statistical forms and the regions a closed period is snapshotted for."""
    towns = Region.objects.filter(level=Region.Level.TOWN)
    return _successors(_in_force(towns, period).select_related("successor"))


def district() -> Region:
    """The district node (the root of the tree): the default region for figures."""
    districts = Region.objects.filter(level=Region.Level.DISTRICT)
    return districts.filter(valid_to__isnull=True).first() or districts.order_by("-valid_from").first()


# --- indicators -----------------------------------------------------------------------------
Number = int | Decimal


@dataclass(frozen=True)
class Result:
    value: Number | None = None
    numerator: Number | None = None
    denominator: Number | None = None
    records: QuerySet | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Indicator:
    id: str
    name: Any  # a lazily translated string
    unit: str
    kind: str
    definition: Any
    function: Callable[[Period, Region], Number | Result | None] = field(compare=False, repr=False)
    name_en: str = ""
    columns: tuple[tuple[str, str], ...] = ()  # drill-down list: (header, field path)

    @property
    def area(self) -> Area:
        return area_for(self.id)

    @property
    def english_name(self) -> str:
        if self.name_en:
            return self.name_en
        with translation.override("en"):
            return str(self.name)

    @property
    def is_money(self) -> bool:
        return self.unit == MONEY_UNIT

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"


@dataclass(frozen=True)
class Value:
    """One computed figure; the same fields a period snapshot will store."""

    indicator: Indicator
    period: Period
    region: Region
    value: Number | None
    numerator: Number | None = None
    denominator: Number | None = None
    records: QuerySet | None = field(default=None, compare=False, repr=False)
    exact: Number | None = None  # money: the exact sum in yuan before the 万元 rounding

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of INTERFACES.md: id, name, unit, value, numerator, denominator."""
        return {
            "id": self.indicator.id,
            "name": str(self.indicator.name),
            "unit": self.indicator.unit,
            "value": _json_number(self.value),
            "numerator": _json_number(self.numerator),
            "denominator": _json_number(self.denominator),
        }


def _json_number(value: Number | None) -> int | float | None:
    """Counts stay ints; Decimals (万元, %) become JSON numbers (two decimals already applied)."""
    return float(value) if isinstance(value, Decimal) else value


def percent(numerator: Number, denominator: Number) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class IndicatorRegistry:
    def __init__(self) -> None:
        self._indicators: dict[str, Indicator] = {}

    def indicator(
        self, id: str, *, name, unit: str, kind: str, definition="", name_en: str = "", columns=()
    ) -> Callable:
        """Decorator registering `function(period, region)` as indicator `id`."""
        if kind not in KINDS:
            raise ValueError(f"indicator {id}: kind must be one of {sorted(KINDS)}, not {kind!r}")
        if kind == "rate" and unit != RATE_UNIT:
            raise ValueError(f"indicator {id}: a rate is in {RATE_UNIT}")

        def register(function):
            if id in self._indicators:
                raise ValueError(f"indicator {id} is registered twice")
            self._indicators[id] = Indicator(
                id, name, unit, kind, definition, function, name_en=name_en, columns=tuple(columns)
            )
            return function

        return register

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self._indicators[indicator_id]
        except KeyError:
            raise UnknownIndicator(f"指标“{indicator_id}”不存在")

    def all(self) -> list[Indicator]:
        return [self._indicators[key] for key in sorted(self._indicators)]

    def compute(self, indicator_id: str, period: Period, region: Region) -> Value:
        return self._evaluate(self.get(indicator_id), period, region)

    def compute_all(self, period: Period, region: Region, ids: list[str] | None = None) -> list[Value]:
        indicators = [self.get(i) for i in ids] if ids else self.all()
        return [self._evaluate(item, period, region) for item in indicators]

    def _evaluate(self, item: Indicator, period: Period, region: Region) -> Value:
        raw = item.function(period, region)
        result = raw if isinstance(raw, Result) else Result(value=raw)
        for number in (result.value, result.numerator, result.denominator):
            if isinstance(number, float):
                raise TypeError(f"indicator {item.id} returned a float; use int or Decimal")
        value, numerator, denominator = result.value, result.numerator, result.denominator
        if item.kind == "rate" and value is None and numerator is not None and denominator is not None:
            value = percent(numerator, denominator)
        exact = None
        if item.unit == MONEY_UNIT:
            exact, value = value, to_wan_yuan(value)
        return Value(item, period, region, value, numerator, denominator, result.records, exact)

    def by_area(self) -> dict[str, list[Indicator]]:
        """Registered indicators grouped by area key (areas without indicators are absent)."""
        grouped: dict[str, list[Indicator]] = {}
        for item in self.all():
            grouped.setdefault(item.area.key, []).append(item)
        return grouped


registry = IndicatorRegistry()
indicator = registry.indicator
compute = registry.compute
compute_all = registry.compute_all
get_indicator = registry.get
all_indicators = registry.all
indicators_by_area = registry.by_area


def report(period: Period, region: Region, ids: list[str] | None = None) -> dict[str, Any]:
    """The figures of a period and region in the JSON shape of INTERFACES.md (`indicators --format json`)."""
    return {
        "year": period.year,
        "region": region.code,
        "indicators": [value.as_dict() for value in compute_all(period, region, ids)],
    }
