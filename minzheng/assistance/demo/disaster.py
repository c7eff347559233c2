"""Demo data: the 2018 autumn typhoons 贝碧嘉 (August) and 山竹 (September) — shelters opened in the
affected 镇街, cash relief (one-off `disaster_relief` entitlements, paid in the month's payroll
run) and goods given to households picked from the register.
"""

from datetime import date, timedelta
from decimal import Decimal

from minzheng.accounts.models import User
from minzheng.benefits.models import BankAccount, PayrollRun, Scheme
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import set_bank_account
from minzheng.core.demo import DemoContext, demo_step
from minzheng.core.months import Month
from minzheng.registry.models import Household, Region

from ..models.disaster import DisasterEvent
from ..programs import ensure_programs
from ..services.disaster import give_relief_cash, give_relief_goods, open_shelter, record_event

# name, kind, warning, started, ended, affected 镇街 codes (None: all), shelters, cash, goods
EVENTS = [
    (
        "台风“贝碧嘉”",
        DisasterEvent.WarningLevel.ORANGE,
        date(2018, 8, 10),
        date(2018, 8, 17),
        ["440113105000", "440113104000", "440113102000", "440113017000", "440113120000"],
        8,
        12,
        30,
    ),
    ("台风“山竹”", DisasterEvent.WarningLevel.RED, date(2018, 9, 14), date(2018, 9, 19), None, 40, 45, 120),
]
PLACES = ["小学", "村委会避灾场所", "社区文化室", "长者饭堂", "中学体育馆"]
GOODS = [
    ("大米", "袋", 2),
    ("食用油", "瓶", 2),
    ("棉被", "床", 1),
    ("矿泉水", "箱", 3),
    ("应急食品包", "份", 2),
]
CASH = [Decimal("1000"), Decimal("2000"), Decimal("3000"), Decimal("5000")]


def _towns(codes) -> list[Region]:
    towns = Region.objects.filter(level=Region.Level.TOWN, valid_to__isnull=True).order_by("code")
    return list(towns.filter(code__in=codes) if codes else towns)


@demo_step(150, "disaster")
def create_disasters(ctx: DemoContext) -> None:
    if DisasterEvent.objects.filter(started_on__year=2018).exists():
        ctx.log("防灾减灾：已有 2018 年灾害事件，跳过")
        return
    ensure_programs(actor=ctx.actor)
    rng = ctx.rng
    used: set[int] = set()
    months: set[Month] = set()
    for name, warning, started, ended, codes, shelters, cash, goods in EVENTS:
        towns = _towns(codes)
        event = record_event(
            actor=ctx.actor,
            name=name,
            kind=DisasterEvent.Kind.TYPHOON,
            warning_level=warning,
            started_on=started,
            ended_on=ended,
            affected_towns=towns,
            description=f"{name}影响期间启动防风应急响应，转移安置群众，开放避灾场所，灾后发放救助。",
        )
        villages = list(Region.objects.filter(parent__in=towns, level=Region.Level.VILLAGE).order_by("code"))
        people = 0
        for _ in range(shelters):
            village = rng.choice(villages)
            count = rng.randint(30, 600)
            people += count
            open_shelter(
                actor=ctx.actor,
                event=event,
                place=village.name.removesuffix("社区居委会").removesuffix("村委会") + rng.choice(PLACES),
                region=village,
                opened_on=started + timedelta(days=rng.randint(0, 1)),
                closed_on=ended,
                people_sheltered=count,
            )
        candidates = list(
            Household.objects.filter(region__in=villages, head__isnull=False)
            .exclude(id__in=used)
            .order_by("id")
            .values_list("id", flat=True)
        )
        chosen = rng.sample(candidates, cash + goods)
        used.update(chosen)
        households = Household.objects.select_related("head", "region").in_bulk(chosen)
        given_on = date(ended.year, ended.month, min(ended.day + 5, 28))
        total = Decimal("0")
        for household_id in chosen[:cash]:
            household = households[household_id]
            _ensure_account(ctx, household)
            amount = rng.choice(CASH)
            total += amount
            give_relief_cash(
                actor=ctx.actor, event=event, household=household, amount=amount, given_on=given_on
            )
        for household_id in chosen[cash:]:
            item, unit, quantity = rng.choice(GOODS)
            give_relief_goods(
                actor=ctx.actor,
                event=event,
                household=households[household_id],
                item=item,
                quantity=Decimal(quantity),
                unit=unit,
                given_on=given_on,
            )
        months.add(Month.of(given_on))
        ctx.log(
            f"防灾减灾：{name} 开放避灾场所 {shelters} 个、安置 {people} 人次，救助金 {cash} 户 {total} 元，物资 {goods} 户"
        )
    _pay(ctx, sorted(months))


def _ensure_account(ctx: DemoContext, household: Household) -> None:
    head = household.head
    if not BankAccount.objects.filter(person=head).exists():
        set_bank_account(
            actor=ctx.actor,
            person=head,
            bank_name="广州农村商业银行番禺支行",
            account_name=head.name,
            account_number=f"6230{ctx.rng.randint(10**11, 10**12 - 1)}",
        )


def _pay(ctx: DemoContext, months: list[Month]) -> None:
    """Build and approve the `disaster_relief` runs of the months relief was given (four eyes:
    built by the district office, approved by finance). A run already approved is left alone."""
    builder = User.objects.filter(username="quju").first() or ctx.actor
    approver = User.objects.filter(username="caiwu").first()
    scheme = Scheme.objects.get(code="disaster_relief")
    for month in months:
        run = get_or_create_run(scheme, month, actor=builder)
        if run.status != PayrollRun.Status.DRAFT:
            continue
        build_run(run, actor=builder)
        if approver is not None and approver.pk != builder.pk:
            approve_run(run, actor=approver, opinion="灾后救助金按核定名单发放")
        run.refresh_from_db()
        ctx.log(f"防灾减灾：{run} 发放 {run.line_count} 笔，{run.total_amount} 元")
