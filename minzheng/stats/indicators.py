"""Indicators of the register itself (人口与户籍). Programs add theirs in their own `indicators.py`."""

from datetime import date

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng.registry.models import Household, Person

from .registry import Result, indicator, subtree


def _alive_at(end, prefix: str = "") -> Q:
    return Q(**{f"{prefix}birth_date__lte": end}) & (
        Q(**{f"{prefix}death_date__isnull": True}) | Q(**{f"{prefix}death_date__gt": end})
    )


PERSON_COLUMNS = (
    (_("姓名"), "name"),
    (_("身份证号码"), "id_number"),
    (_("性别"), "sex"),
    (_("出生日期"), "birth_date"),
    (_("户籍所在村居"), "region__name"),
    (_("所属镇街"), "region__parent__name"),
    (_("联系电话"), "phone"),
)
HOUSEHOLD_COLUMNS = (
    (_("户号"), "number"),
    (_("户主"), "head__name"),
    (_("户主身份证号码"), "head__id_number"),
    (_("户籍所在村居"), "region__name"),
    (_("所属镇街"), "region__parent__name"),
    (_("住址"), "address"),
)
ELDERLY_AGE = 60


def _born_by(end: date, years: int) -> date:
    """The latest birth date of someone who is `years` old on `end` (29 Feb → 28 Feb)."""
    try:
        return end.replace(year=end.year - years)
    except ValueError:
        return end.replace(year=end.year - years, day=28)


@indicator(
    "registry.persons",
    name=_("在册人员"),
    name_en="Registered persons",
    unit="人",
    kind="stock",
    columns=PERSON_COLUMNS,
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
    name_en="Households",
    unit="户",
    kind="stock",
    columns=HOUSEHOLD_COLUMNS,
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


@indicator(
    "registry.elderly",
    name=_("60周岁及以上户籍老年人"),
    name_en="Registered residents aged 60 and over",
    unit="人",
    kind="stock",
    columns=PERSON_COLUMNS,
    definition=_(
        "统计期末户籍登记在该区域（含下辖村居）、在世且年满60周岁的人员数（出生日期不晚于期末前60年的同一天）。"
        "这是银龄安康行动等按户籍计算的老年人口。"
    ),
)
def registered_elderly(period, region):
    end = period.end
    records = Person.objects.filter(region_id__in=subtree(region)).filter(
        _alive_at(end), birth_date__lte=_born_by(end, ELDERLY_AGE)
    )
    return Result(value=records.count(), records=records)


@indicator(
    "registry.elderly_resident",
    name=_("60周岁及以上常住老年人"),
    name_en="Residents aged 60 and over (actual residence)",
    unit="人",
    kind="stock",
    columns=(*PERSON_COLUMNS[:4], (_("实际居住村居"), "residence_region__name"), *PERSON_COLUMNS[4:]),
    definition=_(
        "统计期末实际居住在该区域（含下辖村居）、在世且年满60周岁的人员数：按登记的实际居住村居计算，"
        "未登记实际居住地的按户籍地计算。与户籍老年人口分开统计（养老床位每千人指标按此口径）。"
    ),
)
def resident_elderly(period, region):
    end = period.end
    area = subtree(region)
    lives_here = Q(residence_region_id__in=area) | Q(residence_region__isnull=True, region_id__in=area)
    records = Person.objects.filter(lives_here).filter(
        _alive_at(end), birth_date__lte=_born_by(end, ELDERLY_AGE)
    )
    return Result(value=records.count(), records=records)
