"""Indicators of 防灾减灾救灾 (FIGURES.md: typhoons 贝碧嘉 and 山竹 handled → 2).

An event counts for a period and region when a response was recorded there in the period: a
shelter opened or relief given. Cash relief paid is the payroll figure of scheme
`disaster_relief` (paid lines of approved runs), as for every other payment.
"""

from django.utils.translation import gettext_lazy as _

from minzheng.benefits.indicators import register_scheme_indicator
from minzheng.stats.registry import Result, indicator

from ..selectors import disaster as selectors


@indicator(
    "assistance.disaster.events",
    name=_("应对灾害事件数"),
    unit="个",
    kind="flow",
    definition=_("统计期内在本区域有应对记录（启用避灾场所或向受灾家庭发放救助）的灾害事件数"),
    columns=(
        (_("灾害名称"), "name"),
        (_("类别"), "kind"),
        (_("开始日期"), "started_on"),
        (_("结束日期"), "ended_on"),
    ),
)
def events(period, region):
    records = selectors.events_with_response(period.start, period.end, region)
    return Result(value=records.count(), records=records)


@indicator(
    "assistance.disaster.sheltered",
    name=_("避灾场所安置人数"),
    unit="人次",
    kind="flow",
    definition=_("统计期内启用的避灾场所登记的安置人数之和（同一人在不同场所或不同灾害中分别计算）"),
    columns=(
        (_("安置场所"), "place"),
        (_("灾害"), "event__name"),
        (_("启用日期"), "opened_on"),
        (_("安置人数"), "people_sheltered"),
    ),
)
def sheltered(period, region):
    records = selectors.shelters_opened(period.start, period.end, region)
    return Result(value=selectors.people_sheltered(period.start, period.end, region), records=records)


@indicator(
    "assistance.disaster.relief_households",
    name=_("获得受灾救助的家庭"),
    unit="户",
    kind="flow",
    definition=_("统计期内获发救助金或救灾物资的不同家庭户数"),
)
def relief_households(period, region):
    records = selectors.reliefs_given(period.start, period.end, region)
    return records.values("household_id").distinct().count()


@indicator(
    "assistance.disaster.relief_cash",
    name=_("核发受灾群众救助金"),
    unit="万元",
    kind="flow",
    definition=_("统计期内核发（按发放日期）的受灾群众生活救助金之和；实际到账金额见“受灾救助金发放金额”"),
    columns=(
        (_("灾害"), "event__name"),
        (_("家庭"), "household__number"),
        (_("发放日期"), "given_on"),
        (_("金额"), "amount"),
    ),
)
def relief_cash(period, region):
    records = selectors.reliefs_given(period.start, period.end, region).filter(kind="cash")
    return Result(value=selectors.relief_cash(period.start, period.end, region), records=records)


register_scheme_indicator(
    "assistance.disaster.relief_paid", ["disaster_relief"], "paid", name=_("受灾救助金发放金额")
)
