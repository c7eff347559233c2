"""Indicators of 精准扶贫 (FIGURES.md: 40 户 136 人 → 2 户 10 人, 95 %).

`assistance.poverty.households` / `.persons` are the register at the period's end;
`…households_start` / `…persons_start` the register at its start (the end of the day before).
Persons are those recorded at registration (精准核查). The exit rate is the share of the
households on the register during the period that exited during it.
"""

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from minzheng.stats.registry import Result, indicator

from ..selectors import poverty as selectors

COLUMNS = (
    (_("户主"), "household__head__name"),
    (_("村居"), "region__name"),
    (_("建档日期"), "registered_on"),
    (_("建档人口"), "persons"),
    (_("脱贫日期"), "exited_on"),
)


def _persons(queryset) -> int:
    return queryset.aggregate(total=Sum("persons"))["total"] or 0


@indicator(
    "assistance.poverty.households",
    name=_("在册贫困户（期末）"),
    unit="户",
    kind="stock",
    definition=_(
        "统计期末日在贫困户名册中、尚未脱贫的户数（建档日期不晚于期末日，且未脱贫或脱贫日期晚于期末日）"
    ),
    columns=COLUMNS,
)
def households_end(period, region):
    records = selectors.on_register(period.end, region)
    return Result(value=records.count(), records=records)


@indicator(
    "assistance.poverty.persons",
    name=_("在册贫困人口（期末）"),
    unit="人",
    kind="stock",
    definition=_("统计期末日在册贫困户的建档人口（精准核查时核定的人数）之和"),
    columns=COLUMNS,
)
def persons_end(period, region):
    records = selectors.on_register(period.end, region)
    return Result(value=_persons(records), records=records)


@indicator(
    "assistance.poverty.households_start",
    name=_("在册贫困户（期初）"),
    unit="户",
    kind="stock",
    definition=_("统计期开始前一日在贫困户名册中、尚未脱贫的户数"),
    columns=COLUMNS,
)
def households_start(period, region):
    records = selectors.on_register_at_start(period.start, region)
    return Result(value=records.count(), records=records)


@indicator(
    "assistance.poverty.persons_start",
    name=_("在册贫困人口（期初）"),
    unit="人",
    kind="stock",
    definition=_("统计期开始前一日在册贫困户的建档人口之和"),
    columns=COLUMNS,
)
def persons_start(period, region):
    records = selectors.on_register_at_start(period.start, region)
    return Result(value=_persons(records), records=records)


@indicator(
    "assistance.poverty.exit_rate",
    name=_("贫困户脱贫比例"),
    unit="%",
    kind="rate",
    definition=_(
        "分子：统计期内办理脱贫的贫困户数；分母：统计期内任一时点在册的贫困户数"
        "（期初在册户数加期内新建档户数）。按户计。"
    ),
    columns=COLUMNS,
)
def exit_rate(period, region):
    denominator = selectors.on_register_during(period.start, period.end, region)
    exited = selectors.exited_during(period.start, period.end, region)
    return Result(numerator=exited.count(), denominator=denominator.count(), records=exited)
