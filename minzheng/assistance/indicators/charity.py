"""Indicators of 慈善 (FIGURES.md: 1225.3 万元 received in the 扶贫济困日 campaign to 30 Sep).

Donations count by the day they were received (`received_on` within the period) and by the
region that received them; a campaign refuses donations outside its dates, so the figure for a
year is what its campaigns received in that year.
"""

from django.utils.translation import gettext_lazy as _

from minzheng.stats.registry import Result, indicator

from ..selectors import charity as selectors


@indicator(
    "assistance.charity.donations",
    name=_("慈善募捐活动收到捐款"),
    unit="万元",
    kind="flow",
    definition=_(
        "统计期内（按到账日期）各慈善募捐活动（如广东扶贫济困日）收到的捐款金额之和，按接收镇街/村居归入区域"
    ),
    columns=(
        ("活动", "campaign__name"),
        ("票据号", "receipt_number"),
        ("到账日期", "received_on"),
        ("金额", "amount"),
    ),
)
def donations(period, region):
    records = selectors.donations_received(period.start, period.end, region)
    return Result(value=selectors.donation_total(period.start, period.end, region), records=records)


@indicator(
    "assistance.charity.donation_count",
    name=_("慈善捐赠笔数"),
    unit="笔",
    kind="flow",
    definition=_("统计期内（按到账日期）各慈善募捐活动收到的捐赠笔数"),
)
def donation_count(period, region):
    records = selectors.donations_received(period.start, period.end, region)
    return Result(value=records.count(), records=records)


@indicator(
    "assistance.charity.titles",
    name=_("慈善标志创建"),
    unit="个",
    kind="flow",
    definition=_("统计期所在年度授予的慈善街道、慈善社区、慈善广场（公园）等慈善称号个数"),
    columns=(("称号", "title"), ("授予对象", "awarded_to"), ("年度", "year")),
)
def titles(period, region):
    records = selectors.titles_awarded(period.year, region)
    return Result(value=records.count(), records=records)
