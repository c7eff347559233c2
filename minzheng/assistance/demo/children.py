"""Demo data: children's welfare in 2018, through the real services and payroll.

- 36 children receive the 2263 元 allowance (24 孤儿, 12 事实无人抚养儿童); three orphans turn 18
  during the year: the month-by-month `age_out_children` ends their allowance after the birthday
  month and opens a 成年孤儿安置 task for their town.
- 困境儿童: 20 receive the monthly living subsidy (12 all year, 8 from July) and about 60 a
  one-off education grant (spring grants for the 2017 school year in March, autumn ones for 2018
  in September). The plan: what the subsidies will pay is read from the amounts the engine owes
  (`AmountPeriod`); the grants take up the rest, the last one adjusted by the remaining
  difference, so that `assistance.children.paid` for 2018 is exactly 22.90 万元.
- 40 left-behind children with care visits by their risk level; a few leave the register.

Payroll is built by the finance user `caiwu` and approved by the district user `quju`, month by
month; every recipient has a bank account (lines of people without one would be held).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from minzheng.accounts.models import User
from minzheng.benefits import payroll
from minzheng.benefits.models import AmountPeriod, BankAccount, Entitlement, Standard
from minzheng.benefits.selectors import paid_amount
from minzheng.benefits.services import grant_entitlement, set_bank_account, set_standard
from minzheng.core.demo import DemoContext, demo_step
from minzheng.core.months import Month, month_range
from minzheng.registry.models import Person, Region

from ..models.children import ChildCategory, ChildProfile, EducationGrant, LeftBehindChild, RiskLevel
from ..programs import CHILDREN_SCHEMES, ensure_programs
from ..services.children import (
    age_out_children,
    close_left_behind,
    grant_education_grant,
    record_care_visit,
    register_child_profile,
    register_left_behind,
)

YEAR = 2018
JAN, JUL, DEC = Month(YEAR, 1), Month(YEAR, 7), Month(YEAR, 12)
DOCUMENT = "番民〔2018〕18号（演示）"
# set only when the scheme has no standard yet (the programs step may have set them)
STANDARDS = {
    "orphan": Decimal("2263"),
    "unsupported_child": Decimal("2263"),
    "children_subsidy": Decimal("500"),  # *unverified*: 困境儿童基本生活补贴, configurable
}
TARGET_PAID = Decimal("229000.00")  # 22.9 万元 (困境儿童生活补贴 + 一次性助学补贴)
ORPHANS, UNSUPPORTED, AGING_ORPHANS = 24, 12, 3
SUBSIDY_ALL_YEAR, SUBSIDY_FROM_JULY, GRANT_ONLY = 12, 8, 40
LEFT_BEHIND = 40
GRANT_AMOUNTS = [Decimal("1500"), Decimal("2000"), Decimal("2500"), Decimal("3000")]
BANK = "广州农村商业银行番禺支行"
SCHOOLS = [
    "市桥中心小学",
    "东城小学",
    "沙头小学",
    "大石中学",
    "南村镇中心小学",
    "石碁中学",
    "化龙中学",
    "钟村小学",
]
GUARDIANS = ["陈志伟", "李秀梅", "黄建国", "梁玉兰", "何德成", "刘丽娟"]
WHEREABOUTS = ["父母均在东莞务工", "父母均在深圳务工", "父亲在佛山务工，母亲患重病", "父母均在省外务工"]
FINDINGS = {
    RiskLevel.HIGH: "照护人年老体弱，儿童学习和生活无人督促，已联系学校和社工跟进",
    RiskLevel.MEDIUM: "生活基本正常，与父母联系较少，建议每周视频通话",
    RiskLevel.LOW: "生活学习正常，照护人尽责，父母每月寄回生活费",
}


@demo_step(120, "assistance-children")
def create_children(ctx: DemoContext) -> None:
    if ChildProfile.objects.exists() or EducationGrant.objects.exists():
        ctx.log("儿童福利：已有演示数据，跳过")
        return
    schemes = ensure_programs(actor=ctx.actor)
    district = Region.objects.get(level=Region.Level.DISTRICT, valid_to__isnull=True)
    for code, amount in STANDARDS.items():
        if not Standard.objects.filter(scheme=schemes[code]).exists():
            set_standard(
                actor=ctx.actor,
                scheme=schemes[code],
                region=district,
                valid_from=JAN,
                document=DOCUMENT,
                amount=amount,
            )
    users = {u.username: u for u in User.objects.filter(username__in=["caiwu", "quju"])}
    builder, approver = users["caiwu"], users["quju"]
    rng = ctx.rng

    aging, young = _pick_children(rng)
    orphans = aging + young[: ORPHANS - AGING_ORPHANS]
    rest = young[ORPHANS - AGING_ORPHANS :]
    unsupported, rest = rest[:UNSUPPORTED], rest[UNSUPPORTED:]
    subsidised, rest = (
        rest[: SUBSIDY_ALL_YEAR + SUBSIDY_FROM_JULY],
        rest[SUBSIDY_ALL_YEAR + SUBSIDY_FROM_JULY :],
    )
    grant_only, rest = rest[:GRANT_ONLY], rest[GRANT_ONLY:]
    left_behind = [p for p in rest if p.birth_date > date(YEAR - 15, 6, 30)][:LEFT_BEHIND]

    profiles = {}
    for group, category in (
        (orphans, ChildCategory.ORPHAN),
        (unsupported, ChildCategory.UNSUPPORTED),
        (subsidised + grant_only, ChildCategory.IN_DIFFICULTY),
    ):
        for person in group:
            profiles[person.pk] = _profile(ctx, rng, person, category)
    for person in orphans:
        start = JAN if rng.random() < 0.85 or person in aging else Month(YEAR, rng.randint(2, 10))
        grant_entitlement(actor=ctx.actor, scheme=schemes["orphan"], person=person, start_month=start)
    for person in unsupported:
        grant_entitlement(
            actor=ctx.actor, scheme=schemes["unsupported_child"], person=person, start_month=JAN
        )
    for index, person in enumerate(subsidised):
        start = JAN if index < SUBSIDY_ALL_YEAR else JUL
        grant_entitlement(
            actor=ctx.actor, scheme=schemes["children_subsidy"], person=person, start_month=start
        )
    _open_accounts(ctx, orphans + unsupported + subsidised + grant_only)

    grants = _plan_grants(rng, subsidised + grant_only, TARGET_PAID - _subsidy_owed())
    for person, amount, month, school_year in grants:
        grant_education_grant(
            actor=ctx.actor,
            child=profiles[person.pk],
            amount=amount,
            school_year=school_year,
            reason="家庭经济困难，符合困境儿童一次性助学补贴条件",
            month=month,
        )

    ended = 0
    for month in month_range(JAN, DEC):
        ended += age_out_children(today=month.first_day, actor=ctx.actor)
        for code in ("orphan", "unsupported_child", *CHILDREN_SCHEMES):
            _pay(schemes[code], month, builder=builder, approver=approver)
    ended += age_out_children(today=date(YEAR, 12, 31), actor=ctx.actor)

    visits = _left_behind(ctx, rng, left_behind)
    paid = paid_amount(CHILDREN_SCHEMES, _Year())
    ctx.log(
        f"儿童福利：孤儿 {len(orphans)} 人、事实无人抚养儿童 {len(unsupported)} 人（年满18周岁停发 {ended} 人）；"
        f"困境儿童生活补贴 {len(subsidised)} 人、一次性助学补贴 {len(grants)} 人次，合计发放 {paid} 元；"
        f"留守儿童 {len(left_behind)} 人、走访 {visits} 人次"
    )
    if paid != TARGET_PAID:
        ctx.log(
            f"注意：困境儿童发放额 {paid} 元与目标 {TARGET_PAID} 元不符（是否有其他数据使用了这些项目？）"
        )


class _Year:
    start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)


def _pick_children(rng) -> tuple[list[Person], list[Person]]:
    """(orphans turning 18 during 2018, other children under 17 in 2018), shuffled with the seed."""
    free = Person.objects.filter(death_date__isnull=True, entitlements__isnull=True).order_by("pk")
    aging = list(
        free.filter(birth_date__gte=date(YEAR - 18, 2, 1), birth_date__lte=date(YEAR - 18, 10, 31))[:200]
    )
    young = list(
        free.filter(birth_date__gte=date(YEAR - 16, 1, 1), birth_date__lte=date(YEAR - 1, 12, 31))[:3000]
    )
    rng.shuffle(aging)
    rng.shuffle(young)
    return aging[:AGING_ORPHANS], young


def _profile(ctx: DemoContext, rng, person: Person, category: str) -> ChildProfile:
    institution = category == ChildCategory.ORPHAN and rng.random() < 0.25
    return register_child_profile(
        actor=ctx.actor,
        person=person,
        category=category,
        guardian_name="区社会福利院" if institution else rng.choice(GUARDIANS),
        guardian_relation="institution"
        if institution
        else rng.choice(["grandparent", "relative", "sibling"]),
        school=rng.choice(SCHOOLS) if person.birth_date <= date(YEAR - 6, 8, 31) else "",
        registered_on=date(YEAR, 1, 1),
    )


def _open_accounts(ctx: DemoContext, persons: list[Person]) -> None:
    have = set(BankAccount.objects.filter(person__in=persons).values_list("person_id", flat=True))
    for person in persons:
        if person.pk not in have:
            set_bank_account(
                actor=ctx.actor,
                person=person,
                bank_name=BANK,
                account_name=person.name,
                account_number=f"62231{person.pk:014d}",
            )


def _subsidy_owed() -> Decimal:
    """What the 困境儿童 living subsidies owe for the months of 2018, from the engine's periods."""
    total = Decimal("0")
    periods = AmountPeriod.objects.filter(
        entitlement__scheme__code="children_subsidy", from_month__lte=DEC.first_day
    ).filter(Q(to_month__isnull=True) | Q(to_month__gte=JAN.first_day))
    for period in periods.select_related("entitlement"):
        entitlement = period.entitlement
        if entitlement.status == Entitlement.Status.SUSPENDED:
            continue
        first = max(Month.of(period.from_month), Month.of(entitlement.start_month), JAN)
        last = min(
            DEC,
            Month.of(period.to_month) if period.to_month else DEC,
            Month.of(entitlement.end_month) if entitlement.end_month else DEC,
        )
        if last >= first:
            total += period.amount * (last - first + 1)
    return total


def _plan_grants(rng, children: list[Person], remaining: Decimal) -> list[tuple[Person, Decimal, Month, int]]:
    """Grants of the usual amounts while more than one large grant is left; the last grant takes
    the exact remainder."""
    if remaining <= 0:
        raise RuntimeError(f"困境儿童生活补贴已超过目标发放额（余额 {remaining} 元）")
    amounts: list[Decimal] = []
    while remaining > GRANT_AMOUNTS[-1] + 500:
        amounts.append(rng.choice(GRANT_AMOUNTS))
        remaining -= amounts[-1]
    amounts.append(remaining)
    if len(amounts) > len(children):
        raise RuntimeError("困境儿童人数不足以发放计划的助学补贴")
    plan = []
    for index, (person, amount) in enumerate(zip(children, amounts, strict=False)):
        spring = index % 4 == 0
        plan.append(
            (person, amount, Month(YEAR, 3) if spring else Month(YEAR, 9), YEAR - 1 if spring else YEAR)
        )
    return plan


def _pay(scheme, month: Month, *, builder, approver) -> None:
    run = payroll.get_or_create_run(scheme, month, actor=builder)
    if run.status != run.Status.DRAFT:
        return
    payroll.build_run(run, actor=builder)
    payroll.approve_run(run, actor=approver, opinion="经审核，同意发放")


def _left_behind(ctx: DemoContext, rng, children: list[Person]) -> int:
    """Register the children in the first half of 2018 and visit each by its risk level; a few
    leave the register when their parents come home."""
    levels = [RiskLevel.HIGH] * 6 + [RiskLevel.MEDIUM] * 14 + [RiskLevel.LOW] * 20
    visits = 0
    for index, person in enumerate(children):
        registered = date(YEAR, 1, 2) + timedelta(days=rng.randint(0, 170))
        record = register_left_behind(
            actor=ctx.actor,
            person=person,
            parents_away=LeftBehindChild.ParentsAway.BOTH
            if rng.random() < 0.8
            else LeftBehindChild.ParentsAway.ONE_UNABLE,
            parents_whereabouts=rng.choice(WHEREABOUTS),
            guardian_name=rng.choice(GUARDIANS),
            guardian_relation="grandparent",
            risk_level=levels[index % len(levels)],
            registered_on=registered,
        )
        risk = record.risk_level
        closing = index % 10 == 5
        limit = date(YEAR, 11, 30) if closing else date(YEAR, 10, 1) if index % 9 == 0 else date(YEAR, 12, 20)
        while True:  # (visits stopping in October fall overdue by the year's end)
            day = record.next_visit_due - timedelta(days=rng.randint(0, 6))
            if day > limit:
                break
            roll = rng.random()
            if roll < 0.15 and risk != RiskLevel.LOW:
                risk = RiskLevel.MEDIUM if risk == RiskLevel.HIGH else RiskLevel.LOW
            elif roll > 0.95 and risk != RiskLevel.HIGH:
                risk = RiskLevel.HIGH
            record_care_visit(
                record,
                actor=ctx.actor,
                visited_on=day,
                visitor_name="儿童主任",
                findings=FINDINGS[risk],
                risk_level=risk,
            )
            record.refresh_from_db()
            visits += 1
        if closing:
            close_left_behind(
                record,
                actor=ctx.actor,
                reason=LeftBehindChild.CloseReason.PARENTS_RETURNED,
                closed_on=date(YEAR, 11, 30),
            )
    return visits
