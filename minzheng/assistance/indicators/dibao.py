"""Indicators: 低保, 特困 and the two disability subsidies (ids as in FIGURES.md).

Stock figures (households, persons, standards) are taken at the period's last month: a 低保
household is "on the register" in a month when its entitlement covers the month and owes an
amount for it (an `AmountPeriod` with an amount above zero — the same condition under which the
payroll puts it on that month's roll). A suspended household has no amount for the months of
its suspension, so it is not counted for them; an entitlement that ended later is still counted
for the months it covered. Money and person-times come from the payroll (`benefits.selectors`).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from minzheng.assistance.programs import DIBAO_SCHEMES, DISABILITY_SCHEMES
from minzheng.benefits.calculations import standard_in_force
from minzheng.benefits.indicators import register_scheme_indicator
from minzheng.benefits.models import AmountPeriod, Entitlement, Scheme, Standard
from minzheng.core.months import Month
from minzheng.registry.models import Household, Membership, Person, Region
from minzheng.stats.registry import Period, Result, indicator

DIBAO = "dibao"
TEKUN = "tekun"


def _in_region(qs: QuerySet, region: Region | None, field: str = "region_id") -> QuerySet:
    if region is None or region.parent_id is None:
        return qs
    return qs.filter(**{f"{field}__in": Region.objects.filter(path__startswith=region.path).values("id")})


def entitlements_on_roll(
    scheme_code: str, month: Month, region: Region | None = None
) -> QuerySet[Entitlement]:
    """Entitlements of the scheme that cover `month` and owe an amount above zero for it."""
    day = month.first_day
    owed = AmountPeriod.objects.filter(
        entitlement_id=OuterRef("pk"), from_month__lte=day, amount__gt=0
    ).filter(Q(to_month__isnull=True) | Q(to_month__gte=day))
    qs = (
        Entitlement.objects.filter(scheme__code=scheme_code, start_month__lte=day)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=day))
        .filter(Exists(owed))
    )
    return _in_region(qs, region)


def dibao_households_on(month: Month, region: Region | None = None) -> QuerySet[Household]:
    return Household.objects.filter(
        pk__in=entitlements_on_roll(DIBAO, month, region).values("household_id")
    ).order_by("pk")


def dibao_persons_on(month: Month, region: Region | None = None) -> QuerySet[Person]:
    """Members counted in their household's 低保 amount for `month` (as the engine counts them:
    in the household during the month, and alive at its start)."""
    first, last = month.first_day, month.last_day
    members = (
        Membership.objects.filter(
            household_id__in=entitlements_on_roll(DIBAO, month, region).values("household_id"),
            valid_from__lte=last,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .filter(Q(person__death_date__isnull=True) | Q(person__death_date__gte=first))
    )
    return Person.objects.filter(pk__in=members.values("person_id")).order_by("pk")


def _end_month(period: Period) -> Month:
    return Month.of(period.end)


def _standard_amount(scheme_code: str, region: Region, month: Month, period: Period):
    """The standard in force for the region in `month` (the most specific region wins), or None;
    the records are the standard rows of the region and its ancestors in force during the period."""
    scheme = Scheme.objects.filter(code=scheme_code).first()
    if scheme is None:
        return None
    row = standard_in_force(scheme, region.pk, month)
    chain = [int(part) for part in region.path.strip("/").split("/")]
    rows = (
        Standard.objects.filter(scheme=scheme, region_id__in=chain, valid_from__lte=period.end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.start.replace(day=1)))
        .order_by("valid_from", "pk")
    )
    return Result(value=None if row is None else row.amount, records=rows)


@indicator(
    "assistance.dibao.standard",
    name=_("低保标准（期末）"),
    unit="元/人/月",
    kind="stock",
    definition=_(
        "统计期最后一个月该区域适用的城乡最低生活保障标准（按生效月份的标准表，村居、镇街的标准优先于全区标准）。"
    ),
)
def dibao_standard(period: Period, region: Region):
    return _standard_amount(DIBAO, region, _end_month(period), period)


@indicator(
    "assistance.dibao.standard_start",
    name=_("低保标准（期初）"),
    unit="元/人/月",
    kind="stock",
    definition=_("统计期第一个月该区域适用的城乡最低生活保障标准（与期末标准对照，反映年内标准调整）。"),
)
def dibao_standard_start(period: Period, region: Region):
    return _standard_amount(DIBAO, region, Month.of(period.start), period)


@indicator(
    "assistance.dibao.households",
    name=_("在册低保户"),
    unit="户",
    kind="stock",
    definition=_(
        "统计期最后一个月在册的低保家庭户数：低保资格的起止月份覆盖该月，且该月应发金额大于零"
        "（暂停期间不计；之后终止的按其覆盖的月份计入）。按资格所属村居归入区域。"
    ),
    columns=((_("户号"), "number"), (_("住址"), "address"), (_("所属村居"), "region__name")),
)
def dibao_households(period: Period, region: Region):
    qs = dibao_households_on(_end_month(period), region)
    return Result(value=qs.count(), records=qs)


@indicator(
    "assistance.dibao.persons",
    name=_("在册低保人数"),
    unit="人",
    kind="stock",
    definition=_(
        "统计期最后一个月在册低保家庭中计入低保金核算的家庭成员人数：该月在户（入户日期不晚于月末、"
        "离户日期不早于月初）且月初仍在世的成员，每人只计一次。"
    ),
    columns=((_("姓名"), "name"), (_("身份证号码"), "id_number"), (_("户籍村居"), "region__name")),
)
def dibao_persons(period: Period, region: Region):
    qs = dibao_persons_on(_end_month(period), region)
    return Result(value=qs.count(), records=qs)


@indicator(
    "assistance.tekun.persons",
    name=_("在册特困供养人员"),
    unit="人",
    kind="stock",
    definition=_(
        "统计期最后一个月在册的特困人员：特困供养资格覆盖该月且该月应发金额大于零。按资格所属村居归入区域。"
    ),
    columns=((_("姓名"), "person__name"), (_("所属村居"), "region__name"), (_("月发放额"), "monthly_amount")),
)
def tekun_persons(period: Period, region: Region):
    qs = entitlements_on_roll(TEKUN, _end_month(period), region).order_by("pk")
    return Result(value=qs.count(), records=qs)


register_scheme_indicator(
    "assistance.dibao.paid",
    DIBAO_SCHEMES,
    "paid",
    name=_("低保金和分类救济支出"),
)
register_scheme_indicator(
    "assistance.tekun.paid",
    ("tekun",),
    "paid",
    name=_("特困人员供养金支出"),
)
register_scheme_indicator(
    "assistance.disability.persons_dec",
    DISABILITY_SCHEMES,
    "person_times",
    name=_("两项补贴12月享受人次"),
    last_month=True,
)
register_scheme_indicator(
    "assistance.disability.paid",
    DISABILITY_SCHEMES,
    "paid",
    name=_("残疾人两项补贴发放金额"),
)
