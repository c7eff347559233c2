"""Indicators of 慈善 (FIGURES.md: 1225.3 万元 received in the 扶贫济困日 campaign to 30 Sep).

Donations count by the day they were received (`received_on` within the period) and by the
region that received them; a campaign refuses donations outside its dates, so the figure for a
year is what its campaigns received in that year.

`assistance.charity.donations` is the published figure: donations to campaigns of the kind
广东扶贫济困日 (`CharityCampaign.Kind.POVERTY_RELIEF_DAY`) only. `…donations_all` adds every
campaign (the 扶贫济困日 and any other), for the bureau's own overview.
"""

from django.utils.translation import gettext_lazy as _

from minzheng.stats.registry import Result, indicator

from ..models.charity import CharityCampaign
from ..selectors import charity as selectors

POVERTY_RELIEF_DAY = CharityCampaign.Kind.POVERTY_RELIEF_DAY
DONATION_COLUMNS = (
    (_("活动"), "campaign__name"),
    (_("票据号"), "receipt_number"),
    (_("到账日期"), "received_on"),
    (_("金额"), "amount"),
)


@indicator(
    "assistance.charity.donations",
    name=_("广东扶贫济困日活动收到捐款"),
    unit="万元",
    kind="flow",
    definition=_(
        "统计期内（按到账日期）类别为“广东扶贫济困日”的募捐活动收到的捐款金额之和（以捐赠票据为准），"
        "按接收镇街/村居归入区域；其他募捐活动的捐款不计入"
    ),
    columns=DONATION_COLUMNS,
)
def donations(period, region):
    records = selectors.donations_received(period.start, period.end, region, kind=POVERTY_RELIEF_DAY)
    total = selectors.donation_total(period.start, period.end, region, kind=POVERTY_RELIEF_DAY)
    return Result(value=total, records=records)


@indicator(
    "assistance.charity.donations_all",
    name=_("全部慈善募捐活动收到捐款"),
    unit="万元",
    kind="flow",
    definition=_(
        "统计期内（按到账日期）全部慈善募捐活动（广东扶贫济困日及其他活动）收到的捐款金额之和，"
        "按接收镇街/村居归入区域"
    ),
    columns=DONATION_COLUMNS,
)
def donations_all(period, region):
    records = selectors.donations_received(period.start, period.end, region)
    return Result(value=selectors.donation_total(period.start, period.end, region), records=records)


@indicator(
    "assistance.charity.donation_count",
    name=_("慈善捐赠笔数"),
    unit="笔",
    kind="flow",
    definition=_("统计期内（按到账日期）全部慈善募捐活动收到的捐赠笔数"),
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
    columns=((_("称号"), "title"), (_("授予对象"), "awarded_to"), (_("年度"), "year")),
)
def titles(period, region):
    records = selectors.titles_awarded(period.year, region)
    return Result(value=records.count(), records=records)
