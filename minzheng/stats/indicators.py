"""Indicators of the register itself (人口与户籍). Programs add theirs in their own `indicators.py`."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.registry.models import Household, Person

from .registry import Result, indicator, subtree


def _alive_at(end, prefix: str = "") -> Q:
    return Q(**{f"{prefix}birth_date__lte": end}) & (
        Q(**{f"{prefix}death_date__isnull": True}) | Q(**{f"{prefix}death_date__gt": end})
    )


@indicator(
    "registry.persons",
    name=_("在册人员"),
    unit="人",
    kind="stock",
    definition=_(
        "统计期末户籍登记在该区域（含下辖村居）且在世的人员数：出生日期不晚于期末，"
        "且未登记死亡或死亡日期晚于期末。户籍地按当前登记计算。"
    ),
)
def registered_persons(period, region):
    records = Person.objects.filter(region_id__in=subtree(region)).filter(_alive_at(period.end))
    return Result(value=records.count(), records=records)


@indicator(
    "registry.households",
    name=_("家庭户"),
    unit="户",
    kind="stock",
    definition=_(
        "统计期末登记在该区域（含下辖村居）、至少有一名现有成员的家庭户数：成员入户日期不晚于期末，"
        "未离户或离户日期晚于期末，且该成员期末在世。"
    ),
)
def households_with_members(period, region):
    end = period.end
    current = (
        Q(memberships__valid_from__lte=end)
        & (Q(memberships__valid_to__isnull=True) | Q(memberships__valid_to__gt=end))
        & _alive_at(end, prefix="memberships__person__")
    )
    records = Household.objects.filter(region_id__in=subtree(region)).filter(
        pk__in=Household.objects.filter(current).values("pk")
    )
    return Result(value=records.count(), records=records)
