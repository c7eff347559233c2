"""Demo data: 精准扶贫 — 40 households, 136 persons registered at the 2016 精准核查; 38 exit in 2018
after “一对一” pairing, measures and visits; 2 households of 10 persons remain at year end (95 %).

Real register households in generated 村委会 are picked whose size at registration fits the plan;
everything is created through the services.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q

from minzheng.core.demo import DemoContext, demo_step
from minzheng.registry.models import Household, Region

from ..models.poverty import PoorHousehold, PovertyCause, PovertyMeasure
from ..services.poverty import add_measure, exit_household, pair_helper, record_visit, register_poor_household

REGISTERED_ON = date(2016, 10, 20)
HOUSEHOLDS, PERSONS = 40, 136
REMAINING_SIZES = (6, 4)  # the two households still on the register at the end of 2018: 10 persons
UNITS = [
    "区民政局",
    "区财政局",
    "区人力资源和社会保障局",
    "区农业农村局",
    "区卫生健康局",
    "区教育局",
    "区住房和城乡建设局",
]
SURNAMES = "陈李黄张梁何刘林罗郭吴麦冯谢邓"
GIVEN = "志伟明华建国文杰俊峰海军英红芳丽"
CAUSES = [
    PovertyCause.ILLNESS,
    PovertyCause.DISABILITY,
    PovertyCause.NO_LABOUR,
    PovertyCause.EDUCATION,
    PovertyCause.NO_SKILLS,
]
MEASURES = {
    PovertyMeasure.Kind.EMPLOYMENT: ("推荐到区内企业就业", Decimal("0")),
    PovertyMeasure.Kind.INDUSTRY: ("扶持发展种养项目（鸡苗、果苗及技术指导）", Decimal("3000")),
    PovertyMeasure.Kind.EDUCATION: ("子女就学资助", Decimal("2000")),
    PovertyMeasure.Kind.HEALTH: ("落实医疗救助与家庭医生签约", Decimal("1500")),
    PovertyMeasure.Kind.HOUSING: ("危房改造补助", Decimal("20000")),
    PovertyMeasure.Kind.SOCIAL_SECURITY: ("纳入低保兜底保障", Decimal("0")),
}


def _sizes(ctx: DemoContext) -> list[int]:
    """Sizes of the 38 households that exit: between 1 and 6 persons, adding up to 126."""
    rng = ctx.rng
    sizes = [rng.choice([2, 3, 3, 4, 4, 5]) for _ in range(HOUSEHOLDS - len(REMAINING_SIZES))]
    target = PERSONS - sum(REMAINING_SIZES)
    while sum(sizes) != target:
        index = rng.randrange(len(sizes))
        if sum(sizes) < target and sizes[index] < 6:
            sizes[index] += 1
        elif sum(sizes) > target and sizes[index] > 1:
            sizes[index] -= 1
    return sizes


def _pick_households(ctx: DemoContext, sizes: list[int]) -> list[tuple[Household, int]]:
    villages = Region.objects.filter(
        level=Region.Level.VILLAGE, valid_to__isnull=True, name__endswith="村委会"
    )
    candidates = list(
        Household.objects.filter(region__in=villages, head__isnull=False)
        .annotate(
            size=Count(
                "memberships",
                filter=Q(memberships__valid_from__lte=REGISTERED_ON, memberships__valid_to__isnull=True),
            )
        )
        .order_by("id")
        .values_list("id", "size")
    )
    ctx.rng.shuffle(candidates)
    by_size: dict[int, list[int]] = {}
    for household_id, size in candidates:
        by_size.setdefault(size, []).append(household_id)
    picked = []
    for size in sizes:
        if not by_size.get(size):
            raise RuntimeError(f"演示人口中没有足够的 {size} 人户用于扶贫演示")
        picked.append((by_size[size].pop(), size))
    households = Household.objects.in_bulk([household_id for household_id, _ in picked])
    return [(households[household_id], size) for household_id, size in picked]


@demo_step(140, "poverty")
def create_poverty_register(ctx: DemoContext) -> None:
    if PoorHousehold.objects.exists():
        ctx.log("精准扶贫：已有贫困户名册，跳过")
        return
    rng = ctx.rng
    sizes = _sizes(ctx) + list(REMAINING_SIZES)
    picked = _pick_households(ctx, sizes)
    exits = 0
    for index, (household, size) in enumerate(picked):
        record = register_poor_household(
            actor=ctx.actor,
            household=household,
            registered_on=REGISTERED_ON,
            cause=rng.choice(CAUSES),
            persons=size,
        )
        helper = pair_helper(
            record,
            actor=ctx.actor,
            name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2)),
            unit=rng.choice(UNITS),
            is_party_member=True,
            phone=f"139{rng.randint(10_000_000, 99_999_999)}",
            valid_from=REGISTERED_ON + timedelta(days=rng.randint(5, 30)),
        )
        kinds = rng.sample(list(MEASURES), rng.randint(1, 3))
        for number, kind in enumerate(kinds):
            description, funds = MEASURES[kind]
            add_measure(
                record,
                actor=ctx.actor,
                kind=kind,
                description=description,
                taken_on=date(2017, 3 + 3 * number, rng.randint(1, 28)),
                funds=funds,
            )
        income = Decimal(rng.randint(2600, 3800))
        for quarter in range(rng.randint(3, 5)):
            income += Decimal(rng.randint(300, 900))
            record_visit(
                record,
                actor=ctx.actor,
                visited_on=date(2017, 2 + 3 * quarter if quarter < 4 else 12, rng.randint(1, 28)),
                helper=helper,
                notes="入户走访，了解家庭收入、就业、就学、就医和住房情况，落实帮扶措施",
                income_per_person=income,
            )
        if index < HOUSEHOLDS - len(REMAINING_SIZES):
            visited = date(2018, 3 + index % 9, rng.randint(1, 20))
            record_visit(
                record,
                actor=ctx.actor,
                visited_on=visited,
                helper=helper,
                notes="脱贫前核查走访：“两不愁三保障”已落实，家庭人均可支配收入稳定超过扶贫标准",
                income_per_person=income + Decimal(rng.randint(1200, 2500)),
            )
            exit_household(
                record,
                actor=ctx.actor,
                exited_on=visited + timedelta(days=rng.randint(5, 8)),
                verification="经村民评议、镇街核查和区级审定，家庭人均可支配收入超过扶贫标准，"
                "不愁吃、不愁穿，义务教育、基本医疗、住房安全有保障，公示无异议",
            )
            exits += 1
    ctx.log(f"精准扶贫：建档 {len(picked)} 户 {sum(sizes)} 人，2018 年脱贫 {exits} 户")
