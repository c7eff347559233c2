"""Demo data: the programs' 2018 standards, and 低保 and 特困 paid month by month through 2018.

Following ENGINES.md §6 the households are planned first (who enters and leaves when, with
what assessed income), the plan is computed with the engine's formula (standard × members −
income + category supplements), and everything is then created through the real services and
paid by the real payroll, month by month, built by the finance user `caiwu` and approved by the
district user `quju`. The last records are adjusted by what remains, so that
`indicators --year 2018` gives the source's figures out of the platform's own records:

- 908 低保 households with 1515 members on the roll in December 2018;
- 1366.73 万元 paid in 2018 (regular lines, category supplements, and the arrears of the rise).

The standard rises from 900 to 950 元 from July 2018; the decision is recorded in September
(retroactively), so the September run pays July and August arrears. The December entrants (all
aged 18–59, without supplements) take up the remainder: their assessed incomes are set from the
exact sums already paid. A few households get their bank account late: their lines are held and
re-issued. Figures marked *unverified* are plausible values, kept as data here, not in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from minzheng.accounts.models import User
from minzheng.assistance.programs import ensure_programs
from minzheng.benefits import payroll
from minzheng.benefits.bulk import Account, Grant, end_entitlements, grant_entitlements, set_bank_accounts
from minzheng.benefits.calculations import age_at_month_end
from minzheng.benefits.models import AmountPeriod, BankAccount, Entitlement, PaymentLine, Standard
from minzheng.benefits.selectors import paid_amount
from minzheng.benefits.services import set_standard
from minzheng.core.demo import DemoContext, demo_step
from minzheng.core.months import Month
from minzheng.registry.models import Household, Membership, Region

YEAR = 2018
MONTHS = [Month(YEAR, m) for m in range(1, 13)]
DOCUMENT = "番民〔2018〕12号（演示）"
RISE_DOCUMENT = "番民〔2018〕96号（演示）"
# 分类施保 (*unverified* Guangzhou percentages): the best category of each member counts
SUPPLEMENTS = [
    {"category": "elderly", "percent": "20"},
    {"category": "minor", "percent": "20"},
    {"category": "disabled", "percent": "10"},
    {"category": "severely_disabled", "percent": "30"},
]
# scheme → list of (from month, values); set only when the scheme has no standard yet
STANDARDS = {
    "dibao": [(Month(YEAR, 1), {"amount": Decimal("900"), "params": {"supplements": SUPPLEMENTS}})],
    "tekun": [(Month(YEAR, 1), {"multiple": Decimal("1.6")})],
    # *unverified*; the low-income line for the living subsidy is 1.5 × the 低保 standard (RULES §2)
    "living_subsidy": [
        (Month(YEAR, 1), {"amount": Decimal("150"), "params": {"low_income_multiple": "1.5"}})
    ],
    "nursing_subsidy": [(Month(YEAR, 1), {"amount": Decimal("200")})],  # *unverified*
    "orphan": [(Month(YEAR, 1), {"amount": Decimal("2263")})],
    "unsupported_child": [(Month(YEAR, 1), {"amount": Decimal("2263")})],
}
RISE = {"from": Month(YEAR, 7), "amount": Decimal("950"), "recorded_before": Month(YEAR, 9)}

TARGET_PAID = Decimal("13667300.00")  # 1366.73 万元
SIZE_MIX = {1: 411, 2: 407, 3: 70, 4: 20}  # households on the December roll by members: 908, 1515 persons
CALIBRATION = {1: 10, 2: 10}  # December entrants taking up the remainder (part of SIZE_MIX)
ENTRANTS, EXITS, LATE_ACCOUNTS, TEKUN = 60, 55, 3, 30
EXIT_REASONS = ["家庭人均收入超过低保标准", "迁出本区", "家庭财产状况发生变化", "主动申请退出"]
BANK = "广州农村商业银行番禺支行"


def demo_users() -> tuple[User, User, User]:
    """(case officer granting, finance user building, district user approving)."""
    users = {u.username: u for u in User.objects.filter(username__in=["quju", "caiwu"])}
    return users["quju"], users["caiwu"], users["quju"]


def pay_month(scheme, month: Month, *, builder, approver) -> None:
    run = payroll.get_or_create_run(scheme, month, actor=builder)
    if run.status != run.Status.DRAFT:
        return
    payroll.build_run(run, actor=builder)
    payroll.approve_run(run, actor=approver, opinion="经审核，同意发放")


def open_bank_accounts(persons, *, actor) -> None:
    """Accounts for those who have none yet (the number is generated from the person's id)."""
    have = set(
        BankAccount.objects.filter(person__in=[p.pk for p in persons]).values_list("person_id", flat=True)
    )
    set_bank_accounts(
        actor=actor,
        accounts=[
            Account(person=p, bank_name=BANK, account_name=p.name, account_number=f"62230{p.pk:014d}")
            for p in {p.pk: p for p in persons}.values()
            if p.pk not in have
        ],
    )


def end_in_groups(leaving: list[tuple[Entitlement, str]], *, actor, last_month: Month) -> None:
    """End the entitlements leaving after `last_month`, one batch per reason."""
    by_reason: dict[str, list[int]] = {}
    for entitlement, reason in leaving:
        by_reason.setdefault(reason, []).append(entitlement.pk)
    for reason, ids in sorted(by_reason.items()):
        end_entitlements(
            Entitlement.objects.filter(pk__in=ids), actor=actor, last_month=last_month, reason=reason
        )


@demo_step(100, "assistance-programs")
def set_program_standards(ctx: DemoContext) -> None:
    schemes = ensure_programs(actor=ctx.actor)
    district = Region.objects.get(level=Region.Level.DISTRICT, valid_to__isnull=True)
    done = []
    for code, rows in STANDARDS.items():
        if Standard.objects.filter(scheme=schemes[code]).exists():
            continue
        for valid_from, values in rows:
            set_standard(
                actor=ctx.actor,
                scheme=schemes[code],
                region=district,
                valid_from=valid_from,
                document=DOCUMENT,
                **values,
            )
        done.append(code)
    ctx.log(f"救助项目：{len(schemes)} 个；设定 2018 年标准：{'、'.join(done) or '均已存在'}")


# --- the plan ------------------------------------------------------------------------------------


@dataclass
class Member:
    birth: object
    grade: int | None
    joined: Month
    left: Month | None

    def present(self, month: Month) -> bool:
        return self.joined <= month and (self.left is None or month <= self.left)


@dataclass
class PlannedHousehold:
    household: Household
    members: list[Member]
    start: Month = MONTHS[0]
    last: Month | None = None
    income: Decimal = Decimal("0")
    late_account: bool = False
    reason: str = ""
    gross: Decimal = Decimal("0")
    months: int = 0
    weight: float = 0.0
    sizes: list[int] = field(default_factory=list)

    def size(self, month: Month) -> int:
        return sum(1 for m in self.members if m.present(month))


def _supplement(member: Member, month: Month, standard: Decimal) -> Decimal:
    """The engine's rule (calculations._top_up): the member's best category, as data."""
    age = age_at_month_end(member.birth, month)
    best = Decimal("0")
    for rule in SUPPLEMENTS:
        category = rule["category"]
        qualifies = (
            (category == "elderly" and age >= 60)
            or (category == "minor" and age < 18)
            or (category == "disabled" and member.grade is not None)
            or (category == "severely_disabled" and member.grade is not None and member.grade <= 2)
        )
        if qualifies:
            value = standard * Decimal(rule["percent"]) / 100 if "percent" in rule else Decimal(rule["fixed"])
            best = max(best, value.quantize(Decimal("0.01")))
    return best


def _standard_in(month: Month) -> Decimal:
    return RISE["amount"] if month >= RISE["from"] else STANDARDS["dibao"][0][1]["amount"]


def _load_households() -> dict[int, PlannedHousehold]:
    found: dict[int, PlannedHousehold] = {}
    households = Household.objects.filter(head__isnull=False, head__death_date__isnull=True).select_related(
        "head", "region"
    )
    for h in households.order_by("pk"):
        found[h.pk] = PlannedHousehold(h, [])
    rows = Membership.objects.filter(household_id__in=found, person__death_date__isnull=True).values_list(
        "household_id", "person__birth_date", "person__disability_grade", "valid_from", "valid_to"
    )
    for household_id, birth, grade, since, until in rows:
        found[household_id].members.append(
            Member(birth, grade, Month.of(since), Month.of(until) if until else None)
        )
    return found


def _calibration_ready(h: PlannedHousehold) -> bool:
    dec = MONTHS[-1]
    present = [m for m in h.members if m.present(dec)]
    return all(m.grade is None and 18 <= age_at_month_end(m.birth, dec) < 60 for m in present) and all(
        m.joined < dec for m in present
    )


def plan_dibao(
    ctx: DemoContext, used: set[int], households: dict[int, PlannedHousehold] | None = None
) -> tuple[list[PlannedHousehold], list[PlannedHousehold]]:
    """(households paid during the year, December entrants taking up the remainder)."""
    rng = ctx.rng
    households = _load_households() if households is None else households
    pools: dict[int, list[PlannedHousehold]] = {size: [] for size in range(1, 7)}
    for h in households.values():
        size = h.size(MONTHS[-1])
        if h.household.head_id not in used and size in pools and h.size(MONTHS[0]) > 0:
            pools[size].append(h)
    for pool in pools.values():
        rng.shuffle(pool)
    calibration = []
    for size, count in CALIBRATION.items():
        ready = [h for h in pools[size] if _calibration_ready(h)][:count]
        calibration += ready
        pools[size] = [h for h in pools[size] if h not in ready]
    december = []
    for size, count in SIZE_MIX.items():
        take = count - CALIBRATION.get(size, 0)
        december += pools[size][:take]
        pools[size] = pools[size][take:]
    leavers = [pools[size].pop() for size in rng.choices([1, 2, 2, 3], k=EXITS)]
    for h in rng.sample(december, ENTRANTS):
        h.start = Month(YEAR, rng.randint(2, 11))
    for h in rng.sample([h for h in december if Month(YEAR, 3) <= h.start <= Month(YEAR, 6)], LATE_ACCOUNTS):
        h.late_account = True
    for h in leavers:
        h.last = Month(YEAR, rng.randint(1, 11))
        h.reason = rng.choice(EXIT_REASONS)
    for h in calibration:
        h.start = MONTHS[-1]
    planned = december + leavers
    _assign_incomes(rng, planned, capacity=sum(950 * h.size(MONTHS[-1]) for h in calibration))
    return planned, calibration


def _assign_incomes(rng, planned: list[PlannedHousehold], *, capacity: int) -> None:
    """Incomes (whole yuan) so that the year's amounts leave about half the calibration capacity."""
    for h in planned:
        active = [m for m in MONTHS if h.start <= m and (h.last is None or m <= h.last)]
        h.months = len(active)
        h.sizes = [h.size(m) for m in active]
        h.gross = sum(
            (
                _standard_in(m) * h.size(m)
                + sum((_supplement(x, m, _standard_in(m)) for x in h.members if x.present(m)), Decimal("0"))
                for m in active
            ),
            Decimal("0"),
        )
        h.weight = 0.0 if rng.random() < 0.25 else rng.uniform(0.3, 1.7) * min(h.sizes)
    need = sum(h.gross for h in planned) - (TARGET_PAID - capacity // 2)
    weight = sum(h.weight * h.months for h in planned)
    for h in planned:
        cap = int(Decimal("0.9") * 900 * min(h.sizes))
        ideal = need * Decimal(h.weight) / Decimal(weight) if weight else Decimal("0")
        h.income = Decimal(min(cap, max(0, int(ideal.to_integral_value()))))
        need -= h.income * h.months
        weight -= h.weight * h.months
    if abs(need) > capacity // 2:
        raise RuntimeError(f"低保演示数据无法校准：剩余 {need} 元超出校准户的容量")


# --- the step ------------------------------------------------------------------------------------


@demo_step(110, "assistance-dibao")
def create_dibao(ctx: DemoContext) -> None:
    schemes = ensure_programs(actor=ctx.actor)
    dibao, tekun = schemes["dibao"], schemes["tekun"]
    if Entitlement.objects.filter(scheme=dibao).exists():
        ctx.log("低保：已有演示数据，跳过")
        return
    officer, builder, approver = demo_users()
    used = set(Entitlement.objects.values_list("person_id", flat=True))
    households = _load_households()  # read once: the plan and the 特困 pick share the members
    planned, calibration = plan_dibao(ctx, used, households)
    on_dibao = {p.household.pk for p in planned + calibration}
    elderly_alone = [
        h
        for h in households.values()
        if h.household.head_id not in used
        and h.size(MONTHS[0]) == 1
        and h.size(MONTHS[-1]) == 1
        and age_at_month_end(h.members[0].birth, MONTHS[0]) >= 70
        and h.household.pk not in on_dibao
    ]
    tekun_people = [h.household.head for h in ctx.rng.sample(elderly_alone, TEKUN)]
    tekun_start = {p.pk: Month(YEAR, ctx.rng.choice([1] * 8 + [4, 8])) for p in tekun_people}
    open_bank_accounts([h.household.head for h in planned + calibration if not h.late_account], actor=officer)
    open_bank_accounts(tekun_people, actor=officer)
    entitlements: dict[int, Entitlement] = {}
    for month in MONTHS:
        if month == RISE["recorded_before"]:
            set_standard(
                actor=officer,
                scheme=dibao,
                region=Region.objects.get(level=Region.Level.DISTRICT, valid_to__isnull=True),
                valid_from=RISE["from"],
                amount=RISE["amount"],
                params={"supplements": SUPPLEMENTS},
                document=RISE_DOCUMENT,
            )
        leaving = [
            (entitlements[h.household.pk], h.reason) for h in planned if h.last and h.last + 1 == month
        ]
        end_in_groups(leaving, actor=officer, last_month=month - 1)
        for h in planned:
            if h.late_account and h.start + 2 == month:
                open_bank_accounts([h.household.head], actor=officer)
        if month == MONTHS[-1]:
            _calibrate(calibration, dibao)
        starting = [h for h in planned + calibration if h.start == month]
        granted = grant_entitlements(
            actor=officer,
            scheme=dibao,
            grants=[
                Grant(
                    person=h.household.head,
                    household=h.household,
                    start_month=month,
                    assessed_income=h.income,
                )
                for h in starting
            ],
            reason="审批通过，核定低保待遇",
        )
        entitlements.update({e.household_id: e for e in granted})
        grant_entitlements(
            actor=officer,
            scheme=tekun,
            grants=[Grant(person=p, start_month=month) for p in tekun_people if tekun_start[p.pk] == month],
            reason="审批通过，纳入特困供养",
        )
        pay_month(dibao, month, builder=builder, approver=approver)
        pay_month(tekun, month, builder=builder, approver=approver)
    paid = paid_amount("dibao", _year())
    if paid != TARGET_PAID:
        raise RuntimeError(f"低保演示数据校准失败：全年支出 {paid} 元，应为 {TARGET_PAID} 元")
    ctx.log(
        f"低保：{len(planned) + len(calibration)} 户（年内新增 {ENTRANTS + len(calibration)} 户、退出 {EXITS} 户），"
        f"全年支出 {paid} 元；特困供养 {len(tekun_people)} 人"
    )


def _year():
    from minzheng.stats.registry import Period

    return Period.for_year(YEAR)


def _calibrate(calibration: list[PlannedHousehold], dibao) -> None:
    """Set the December entrants' incomes so that the year's total lands exactly on the target."""
    december = MONTHS[-1].first_day
    paid = paid_amount("dibao", _year())
    if Entitlement.objects.filter(scheme=dibao, adjust_from__isnull=False).exists():
        raise RuntimeError("低保演示数据：12月前仍有待补发/追回的资格，无法校准")
    owed = AmountPeriod.objects.filter(
        entitlement__scheme=dibao,
        entitlement__start_month__lte=december,
        entitlement__person__bank_account__isnull=False,
        from_month__lte=december,
        amount__gt=0,
    ).filter(Q(to_month__isnull=True) | Q(to_month__gte=december))
    owed = owed.filter(Q(entitlement__end_month__isnull=True) | Q(entitlement__end_month__gte=december))
    owed = owed.exclude(entitlement__status=Entitlement.Status.SUSPENDED).aggregate(total=Sum("amount"))[
        "total"
    ]
    held = PaymentLine.objects.filter(
        run__scheme=dibao, status=PaymentLine.Status.HELD, reissued_by__isnull=True
    ).exists()
    if held:
        raise RuntimeError("低保演示数据：仍有暂缓发放的明细，无法校准")
    remainder = TARGET_PAID - paid - (owed or Decimal("0"))
    capacity = sum(RISE["amount"] * h.size(MONTHS[-1]) for h in calibration)
    if not Decimal("0") < remainder < capacity:
        raise RuntimeError(f"低保演示数据无法校准：12月剩余 {remainder} 元，校准户可容纳 {capacity} 元")
    left = remainder
    for index, h in enumerate(calibration):
        full = RISE["amount"] * h.size(MONTHS[-1])
        share = (
            left if index == len(calibration) - 1 else (remainder * full / capacity).quantize(Decimal("0.01"))
        )
        h.income = full - share
        left -= share


from . import disability  # noqa: E402, F401  (registers the two subsidies' step)
