"""Indicators of the payroll: money paid (万元), recipients (人) and person-times (人次).

`benefits.paid`, `benefits.recipients` and `benefits.person_times` cover every scheme. Program
apps name theirs from their own `indicators.py` with the scheme codes they pay, e.g.::

    register_scheme_indicators("assistance.dibao", ["dibao"], name=_("低保"))
    # → assistance.dibao.paid, assistance.dibao.recipients, assistance.dibao.person_times
    register_scheme_indicator(
        "assistance.disability.persons_dec", ["living_subsidy", "nursing_subsidy"], "person_times",
        name=_("两项补贴12月享受人次"), last_month=True,
    )

The definitions (which runs and lines count, by which month, pending or not) are those of
`benefits.selectors`. A figure is None — unknown, never an invented zero — when no approved run
of those schemes falls in the period; it is 0 when runs exist but none of their lines is in
the region. Money is returned in exact yuan; the stats registry converts to 万元 (two
decimals, half-up) in one place.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from minzheng.stats.registry import IndicatorRegistry, Period, Result
from minzheng.stats.registry import registry as stats_registry

from . import selectors

FIGURES = ("paid", "recipients", "person_times")
UNITS = {"paid": "万元", "recipients": "人", "person_times": "人次"}
NAME_PATTERNS = {
    "paid": _("{name}发放金额"),
    "recipients": _("{name}享受人数"),
    "person_times": _("{name}享受人次"),
}
DEFINITIONS = {
    "paid": _(
        "统计期内各月已审批（含已导出、已对账）发放批次中状态为“已到账”或“待发放”的明细金额之和"
        "（含补发、重发，减去追回），按发放批次所属月份计入；草稿批次、发放失败和缺少账户暂缓的明细不计。"
        "明细按资格所属村居归入区域。"
    ),
    "recipients": _(
        "统计期内各月已审批（含已导出、已对账）发放批次中有正常发放明细的不同人数；"
        "同一人多月、多项目只计一次。明细按资格所属村居归入区域。"
    ),
    "person_times": _(
        "统计期内各月已审批（含已导出、已对账）发放批次中正常发放明细的笔数：每人每项目每月计一人次。"
        "明细按资格所属村居归入区域。"
    ),
}
LAST_MONTH_NOTE = _("（仅统计期最后一个月）")


def _last_month(period: Period) -> Period:
    return Period.for_month(period.end.year, period.end.month)


def _compute(scheme_codes, figure: str, period: Period, region, *, last_month: bool):
    if last_month:
        period = _last_month(period)
    if not selectors.has_counted_runs(scheme_codes, period):
        return None
    if figure == "paid":
        return Result(
            value=selectors.paid_amount(scheme_codes, period, region),
            records=selectors.paid_lines(scheme_codes, period, region),
        )
    if figure == "recipients":
        return Result(
            value=selectors.recipients(scheme_codes, period, region),
            records=selectors.recipient_persons(scheme_codes, period, region),
        )
    return Result(
        value=selectors.person_times(scheme_codes, period, region),
        records=selectors.regular_lines(scheme_codes, period, region),
    )


def register_scheme_indicator(
    indicator_id: str,
    scheme_codes: Iterable[str] | None,
    figure: str,
    *,
    name,
    definition=None,
    last_month: bool = False,
    registry: IndicatorRegistry | None = None,
) -> str:
    """Register one payroll figure ("paid", "recipients" or "person_times") of these schemes.

    `last_month=True` counts only the period's last month (e.g. "recipients in December" for
    a year). `registry` defaults to the stats registry. Returns the indicator id.
    """
    if figure not in FIGURES:
        raise ValueError(f"indicator {indicator_id}: figure must be one of {FIGURES}, not {figure!r}")
    codes = None if scheme_codes is None else tuple(scheme_codes)
    if definition is None:
        definition = DEFINITIONS[figure]
        if codes is not None:
            definition = format_lazy("{}{}。{}", _("项目代码："), "、".join(codes), definition)
        if last_month:
            definition = format_lazy("{}{}", definition, LAST_MONTH_NOTE)

    def compute(period, region):
        return _compute(codes, figure, period, region, last_month=last_month)

    compute.__name__ = indicator_id.replace(".", "_")
    (registry or stats_registry).indicator(
        indicator_id, name=name, unit=UNITS[figure], kind="flow", definition=definition
    )(compute)
    return indicator_id


def register_scheme_indicators(
    prefix: str,
    scheme_codes: Iterable[str] | None,
    *,
    name,
    figures: Iterable[str] = FIGURES,
    names: dict | None = None,
    registry: IndicatorRegistry | None = None,
) -> list[str]:
    """Register `{prefix}.paid`, `{prefix}.recipients` and `{prefix}.person_times` (or the
    `figures` asked for) for these schemes; names default to "{name}发放金额" etc."""
    names = names or {}
    codes = None if scheme_codes is None else tuple(scheme_codes)
    return [
        register_scheme_indicator(
            f"{prefix}.{figure}",
            codes,
            figure,
            name=names.get(figure) or format_lazy(NAME_PATTERNS[figure], name=name),
            registry=registry,
        )
        for figure in figures
    ]


register_scheme_indicators("benefits", None, name=_("各项待遇"))
