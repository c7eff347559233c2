"""Demo data: the 2018 广东扶贫济困日 campaign (with 深化“羊城慈善为民”行动) — donations received by
the district and its 镇街 up to 30 September adding up to exactly 1225.30 万元 — and the charity
titles (慈善街道、慈善社区、慈善广场（公园）) awarded in 2018.

The amounts are planned first (companies, organisations, individuals, a few anonymous), scaled to
the total, and the largest is adjusted by the remaining difference; then recorded in one batch
through `record_donations`.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from minzheng.core.demo import DemoContext, demo_step
from minzheng.registry.models import Region

from ..models.charity import CharityCampaign, CharityTitle, Donation
from ..services.charity import DonationRow, award_title, create_campaign, record_donations

CAMPAIGN = "2018年广东扶贫济困日暨深化“羊城慈善为民”行动"
STARTS, ENDS = date(2018, 5, 1), date(2018, 9, 30)
TOTAL = Decimal("12253000.00")  # 1225.30 万元
COMPANIES = [
    "实业有限公司",
    "房地产开发有限公司",
    "珠宝首饰有限公司",
    "电子科技有限公司",
    "物流有限公司",
    "食品有限公司",
]
ORGANISATIONS = ["商会", "慈善会", "同乡会", "社工服务中心", "志愿者协会", "校友会"]
PREFIX = "番禺祈福长隆大石市桥南村沙湾石楼化龙钟村洛浦"
SURNAMES = "陈李黄张梁何刘林罗郭吴麦冯谢邓"
GIVEN = "志伟明华建国文杰俊峰海军英红芳丽"
# (kind, title, awarded to: a town code, or a village index in the sorted list, or a place)
TITLES = [
    (CharityTitle.Kind.STREET, "慈善街道", "440113007000"),
    (CharityTitle.Kind.STREET, "慈善街道", "440113012000"),
    (CharityTitle.Kind.STREET, "慈善镇", "440113102000"),
    (CharityTitle.Kind.COMMUNITY, "慈善社区", 3),
    (CharityTitle.Kind.COMMUNITY, "慈善社区", 41),
    (CharityTitle.Kind.COMMUNITY, "慈善村", 150),
    (CharityTitle.Kind.SQUARE, "慈善广场（公园）", "440113007000"),
    (CharityTitle.Kind.SQUARE, "慈善广场（公园）", "440113104000"),
]


def _two(rng, letters: str) -> str:
    return "".join(rng.choice(letters) for _ in range(2))


def _plan(ctx: DemoContext, regions: list[Region]) -> list[DonationRow]:
    rng = ctx.rng
    raw: list[tuple[str, str, bool, Decimal]] = []
    for _ in range(70):
        raw.append(
            (
                Donation.DonorType.COMPANY,
                _two(rng, PREFIX) + rng.choice(COMPANIES),
                False,
                Decimal(rng.randint(20, 400) * 1000),
            )
        )
    for _ in range(80):
        raw.append(
            (
                Donation.DonorType.ORGANISATION,
                _two(rng, PREFIX) + rng.choice(ORGANISATIONS),
                False,
                Decimal(rng.randint(5, 60) * 1000),
            )
        )
    for _ in range(350):
        anonymous = rng.random() < 0.1
        name = "" if anonymous else rng.choice(SURNAMES) + _two(rng, GIVEN)
        raw.append(
            (
                Donation.DonorType.PERSON,
                name,
                anonymous,
                Decimal(rng.choice([100, 200, 500, 1000, 2000, 5000, 10000])),
            )
        )
    scale = TOTAL / sum(amount for *_, amount in raw)
    amounts = [(amount * scale).quantize(Decimal("1"), rounding=ROUND_HALF_UP) for *_, amount in raw]
    largest = max(range(len(amounts)), key=amounts.__getitem__)
    amounts[largest] += TOTAL - sum(amounts)
    days = (ENDS - STARTS).days
    rows = []
    for number, ((donor_type, name, anonymous, _), amount) in enumerate(
        zip(raw, amounts, strict=True), start=1
    ):
        # most giving gathers around 30 June (广东扶贫济困日)
        day = (
            date(2018, 6, 30) + timedelta(days=rng.randint(-20, 10))
            if rng.random() < 0.7
            else STARTS + timedelta(days=rng.randint(0, days))
        )
        rows.append(
            DonationRow(
                donor_type=donor_type,
                donor_name=name,
                anonymous=anonymous,
                amount=amount,
                received_on=day,
                receipt_number=f"YCCS2018-{number:05d}",
                region=rng.choice(regions),
            )
        )
    return rows


@demo_step(160, "charity")
def create_charity(ctx: DemoContext) -> None:
    if CharityCampaign.objects.filter(name=CAMPAIGN).exists():
        ctx.log("慈善：已有 2018 年扶贫济困日活动，跳过")
        return
    district = Region.objects.get(level=Region.Level.DISTRICT, valid_to__isnull=True)
    towns = list(Region.objects.filter(level=Region.Level.TOWN, valid_to__isnull=True).order_by("code"))
    campaign = create_campaign(
        actor=ctx.actor,
        name=CAMPAIGN,
        kind=CharityCampaign.Kind.POVERTY_RELIEF_DAY,
        region=district,
        starts_on=STARTS,
        ends_on=ENDS,
        target=Decimal("12000000"),
        description="广东扶贫济困日（6月30日）系列活动，募集善款用于精准扶贫、济困助学和困难群众帮扶。",
    )
    rows = _plan(ctx, [district, *towns])
    created = record_donations(actor=ctx.actor, campaign=campaign, rows=rows)
    ctx.log(f"慈善：{campaign.name} 收到捐款 {len(created)} 笔，合计 {sum(d.amount for d in created)} 元")
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE, valid_to__isnull=True).order_by("code"))
    for kind, title, target in TITLES:
        if isinstance(target, int):
            region = villages[target % len(villages)]
            awarded_to = region.name
        else:
            region = next(town for town in towns if town.code == target)
            awarded_to = (
                region.name
                if kind != CharityTitle.Kind.SQUARE
                else region.name.removesuffix("街道").removesuffix("镇") + "慈善文化广场"
            )
        award_title(
            actor=ctx.actor,
            kind=kind,
            title=title,
            awarded_to=awarded_to,
            region=region,
            year=2018,
            awarded_by="广州市慈善会",
        )
    ctx.log(f"慈善：授予慈善称号 {len(TITLES)} 个")
