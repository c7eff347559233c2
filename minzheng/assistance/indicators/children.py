"""Indicators of the children's programs (ids as in FIGURES.md, plus a few of our own).

- `assistance.orphan.standard`: the orphan standard in force at the end of the period for the
  region (the most specific `Standard` row: 村居 over 镇街 over district), 元/人/月;
  `assistance.orphan.standard_start` is the one in force at the start, so a rise during the
  period reads "start → end".
- `assistance.children.paid`: 困境儿童 living subsidies and one-off education grants paid, 万元
  (the payroll lines of `children_subsidy` and `children_education`).
- Extras: orphan allowances paid and recipients in the last month, education grants, the
  left-behind register at the period's end (in all and by the risk level it had then), visits.

Drill-down lists name no child: their columns are the masked name, the 村居 and the figures.
"""

from __future__ import annotations

from datetime import date

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from minzheng.benefits.indicators import register_scheme_indicator
from minzheng.benefits.models import Standard
from minzheng.registry.models import Region
from minzheng.stats.registry import Period, Result, indicator, subtree

from ..models.children import CareVisit, EducationGrant, LeftBehindChild, RiskLevel
from ..programs import CHILDREN_SCHEMES, ORPHAN_SCHEMES

ORPHAN_SCHEME = "orphan"
STANDARD_COLUMNS = (
    (_("适用区域"), "region__name"),
    (_("起始月份"), "valid_from"),
    (_("截止月份"), "valid_to"),
    (_("标准金额（元）"), "amount"),
    (_("依据文件"), "document"),
)
LEFT_BEHIND_COLUMNS = (
    (_("儿童"), "masked_name"),
    (_("出生日期"), "person__birth_date"),
    (_("村居"), "region__name"),
    (_("当前风险等级"), "risk_level"),
    (_("登记日期"), "registered_on"),
    (_("下次走访期限"), "next_visit_due"),
)


# --- the orphan standard --------------------------------------------------------------------


def _ancestors(region: Region) -> list[int]:
    return [int(part) for part in region.path.strip("/").split("/") if part]


def standard_in_force(scheme_code: str, region: Region, day: date) -> Standard | None:
    """The most specific standard row of the scheme valid on `day` at the region or above."""
    chain = _ancestors(region)
    rows = Standard.objects.filter(scheme__code=scheme_code, region_id__in=chain, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day.replace(day=1))
    )
    depth = {pk: index for index, pk in enumerate(chain)}
    return max(rows, key=lambda row: depth[row.region_id], default=None)


def _standards_of_period(scheme_code: str, region: Region, period: Period) -> QuerySet[Standard]:
    return (
        Standard.objects.filter(
            scheme__code=scheme_code, region_id__in=_ancestors(region), valid_from__lte=period.end
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.start))
        .select_related("region")
        .order_by("valid_from", "id")
    )


def _standard_result(region: Region, period: Period, day: date) -> Result | None:
    row = standard_in_force(ORPHAN_SCHEME, region, day)
    if row is None or row.amount is None:
        return None
    return Result(value=row.amount, records=_standards_of_period(ORPHAN_SCHEME, region, period))


@indicator(
    "assistance.orphan.standard",
    name=_("孤儿养育标准"),
    unit="元/人/月",
    kind="stock",
    definition=_(
        "统计期末（最后一日）适用于该区域的孤儿基本生活费标准（项目代码 orphan 的待遇标准，"
        "村居标准优先于镇街、镇街优先于全区）；期内调整过的，期初标准见“孤儿养育标准（期初）”。"
    ),
    columns=STANDARD_COLUMNS,
)
def orphan_standard(period: Period, region: Region):
    return _standard_result(region, period, period.end)


@indicator(
    "assistance.orphan.standard_start",
    name=_("孤儿养育标准（期初）"),
    unit="元/人/月",
    kind="stock",
    definition=_("统计期第一日适用于该区域的孤儿基本生活费标准；与期末标准不同即为期内调整（期初 → 期末）。"),
    columns=STANDARD_COLUMNS,
)
def orphan_standard_start(period: Period, region: Region):
    return _standard_result(region, period, period.start)


# --- money and recipients from the payroll --------------------------------------------------

register_scheme_indicator(
    "assistance.children.paid",
    CHILDREN_SCHEMES,
    "paid",
    name=_("困境儿童生活补贴及一次性助学补贴发放金额"),
)
register_scheme_indicator(
    "assistance.orphan.paid",
    ORPHAN_SCHEMES,
    "paid",
    name=_("孤儿及事实无人抚养儿童基本生活费发放金额"),
)
register_scheme_indicator(
    "assistance.orphan.recipients",
    ORPHAN_SCHEMES,
    "recipients",
    name=_("孤儿及事实无人抚养儿童期末享受人数"),
    last_month=True,
)


# --- education grants -----------------------------------------------------------------------


@indicator(
    "assistance.children.education_grants",
    name=_("困境儿童一次性助学补贴人次"),
    unit="人次",
    kind="flow",
    definition=_("统计期内核定发放（按发放月份）的困境儿童一次性助学补贴笔数，每名儿童每学年至多一笔。"),
    columns=(
        (_("儿童"), "child__masked_name"),
        (_("出生日期"), "child__person__birth_date"),
        (_("村居"), "region__name"),
        (_("学年"), "school_year"),
        (_("金额（元）"), "amount"),
    ),
)
def education_grants(period: Period, region: Region):
    qs = EducationGrant.objects.filter(
        region_id__in=subtree(region),
        entitlement__start_month__gte=period.start,
        entitlement__start_month__lte=period.end,
    ).order_by("id")
    return Result(value=qs.count(), records=qs)


# --- the left-behind register ---------------------------------------------------------------


def left_behind_at(period: Period, region: Region) -> QuerySet[LeftBehindChild]:
    """Entries on the register at the period's last day, with the risk level they had then
    (`risk_at`): that of the last visit up to that day, else the level at registration."""
    end = period.end
    last_visit = CareVisit.objects.filter(record=OuterRef("pk"), visited_on__lte=end).order_by(
        "-visited_on", "-id"
    )
    first_visit = CareVisit.objects.filter(record=OuterRef("pk")).order_by("visited_on", "id")
    return (
        LeftBehindChild.objects.filter(region_id__in=subtree(region), registered_on__lte=end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=end))
        .annotate(
            risk_at=Coalesce(
                Subquery(last_visit.values("risk_level")[:1]),
                Subquery(first_visit.values("previous_risk_level")[:1]),
                F("risk_level"),
            )
        )
        .order_by("region_id", "id")
    )


@indicator(
    "assistance.left_behind.children",
    name=_("在册农村留守儿童"),
    unit="人",
    kind="stock",
    definition=_("统计期末在留守儿童名册中（已登记、未销册）的儿童人数。"),
    columns=LEFT_BEHIND_COLUMNS,
)
def left_behind_children(period: Period, region: Region):
    qs = left_behind_at(period, region)
    return Result(value=qs.count(), records=qs)


def _register_risk(level: str, label) -> None:
    @indicator(
        f"assistance.left_behind.{level}_risk",
        name=label,
        unit="人",
        kind="stock",
        definition=_(
            "统计期末在册留守儿童中，按截至期末最近一次走访评估（未走访的按登记时评估）风险等级统计的人数。"
        ),
        columns=LEFT_BEHIND_COLUMNS,
    )
    def compute(period: Period, region: Region):
        qs = left_behind_at(period, region).filter(risk_at=level)
        return Result(value=qs.count(), records=qs)


_register_risk(RiskLevel.HIGH, _("在册留守儿童（高风险）"))
_register_risk(RiskLevel.MEDIUM, _("在册留守儿童（中风险）"))
_register_risk(RiskLevel.LOW, _("在册留守儿童（低风险）"))


@indicator(
    "assistance.left_behind.visits",
    name=_("留守儿童关爱走访人次"),
    unit="人次",
    kind="flow",
    definition=_("统计期内录入的留守儿童关爱走访次数（按走访日期）。"),
    columns=(
        (_("走访日期"), "visited_on"),
        (_("村居"), "record__region__name"),
        (_("评估风险等级"), "risk_level"),
    ),
)
def left_behind_visits(period: Period, region: Region):
    qs = CareVisit.objects.filter(
        record__region_id__in=subtree(region), visited_on__gte=period.start, visited_on__lte=period.end
    ).order_by("visited_on", "id")
    return Result(value=qs.count(), records=qs)
