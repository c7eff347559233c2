"""Demo data: 医疗救助 claims and 临时救助 grants of 2018, paid through the real payroll.

Following ENGINES.md §6 the claims are planned first (who, when, where, what kind of visit and
what it cost), the plan is computed with the reimbursement formula and the standard in force
(ratio, deductible, annual cap per person), the out-of-pocket amounts are scaled so that the
year lands near the source's total, and the last claim takes exactly what remains. Then every
month's claims go through `import_claims` (the same bulk service as the XLSX import) and the
month is paid by a real payroll run built by `caiwu` (finance) and approved by `quju` (district).
The result: `indicators --year 2018` gives 59217 visits and 3036.47 万元 out of the platform's
own records. One seriously ill claimant reaches the annual cap (his last claim says so).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from minzheng.accounts.models import User
from minzheng.assistance.programs import ensure_programs
from minzheng.benefits import payroll
from minzheng.benefits.bulk import Account, set_bank_accounts
from minzheng.benefits.calculations import Context, reimbursement
from minzheng.benefits.models import BankAccount, Entitlement, Standard
from minzheng.benefits.services import set_standard
from minzheng.core.demo import DemoContext, demo_step
from minzheng.core.money import quantize_money
from minzheng.core.months import Month
from minzheng.registry.models import Person, Region

from ..models import MedicalClaim
from ..services.medical import grant_temporary_aid
from ..services.medical_import import import_claims

YEAR = 2018
VISITS = 59217
TOTAL = Decimal("30364700.00")  # 3036.47 万元
LAST_CLAIM = Decimal("2000.00")  # about what the last (adjusted) claim reimburses
CLAIMANTS = 6000
DOCUMENT = "番民〔2018〕15号（演示）"
# *unverified* local parameters, kept as data: 80 % of the out-of-pocket cost, no deductible,
# 350,000 元 a person a year (RULES.md §2); temporary aid up to 20,000 元 a grant
MEDICAL_PARAMS = {"ratio": "0.8", "deductible": "0", "annual_cap": "350000"}
TEMPORARY_PARAMS = {"max_amount": "20000"}
HOSPITALS = [
    "番禺区中心医院",
    "番禺区何贤纪念医院",
    "番禺区第二人民医院",
    "番禺区妇幼保健院",
    "番禺区中医院",
    "市桥街社区卫生服务中心",
    "广东省中医院",
    "中山大学附属第一医院",
]
DIAGNOSES = [
    "高血压",
    "糖尿病",
    "冠心病",
    "慢性肾病（透析）",
    "恶性肿瘤",
    "脑卒中",
    "肺炎",
    "骨折",
    "慢性阻塞性肺病",
]
# visit type, share of visits, out-of-pocket range before scaling (元)
KINDS = [("outpatient", 0.55, (80, 600)), ("chronic", 0.30, (200, 1500)), ("inpatient", 0.15, (1500, 12000))]
EMERGENCIES = [
    ("fire", "住房失火，家庭财产损失严重"),
    ("accident", "交通事故致主要劳动力受伤"),
    ("illness", "突发重大疾病，医疗费用支出大"),
    ("other", "家庭遭遇突发变故，基本生活暂时困难"),
]


@dataclass
class Visit:
    person: Person
    day: date
    kind: str
    out_of_pocket: Decimal
    hospital: str
    diagnosis: str


@demo_step(130, "assistance-medical")
def seed_medical(ctx: DemoContext) -> None:
    if MedicalClaim.objects.filter(visit_date__year=YEAR).exists():
        ctx.log("医疗救助：已有 2018 年报销记录，跳过")
        return
    schemes = ensure_programs(actor=ctx.actor)
    district = Region.objects.get(level=Region.Level.DISTRICT, valid_to__isnull=True)
    for code, params in (("medical", MEDICAL_PARAMS), ("temporary", TEMPORARY_PARAMS)):
        if not Standard.objects.filter(scheme=schemes[code]).exists():
            set_standard(
                actor=ctx.actor,
                scheme=schemes[code],
                region=district,
                valid_from=Month(YEAR, 1),
                document=DOCUMENT,
                params=params,
            )
    finance, approver = User.objects.get(username="caiwu"), User.objects.get(username="quju")
    persons = list(Person.objects.filter(death_date__isnull=True).select_related("region").order_by("id"))
    visits = _plan_visits(ctx, persons, schemes["medical"])
    aid = _plan_temporary_aid(ctx, persons)
    _give_accounts(ctx, {v.person for v in visits} | {p for p, *_ in aid})
    by_month: dict[int, list[Visit]] = defaultdict(list)
    for visit in visits:
        by_month[visit.day.month].append(visit)
    for number in range(1, 13):
        month = Month(YEAR, number)
        rows = [_row(v) for v in sorted(by_month[number], key=lambda v: v.day)]
        import_claims(rows, actor=ctx.actor)
        for person, day, (kind, reason), amount in aid:
            if day.month == number:
                grant_temporary_aid(
                    actor=ctx.actor,
                    person=person,
                    emergency_type=kind,
                    amount=amount,
                    reason=reason,
                    occurred_on=day - timedelta(days=ctx.rng.randint(1, 9)),
                    granted_on=day,
                )
        for code in ("medical", "temporary"):
            run = payroll.get_or_create_run(schemes[code], month, actor=finance)
            payroll.build_run(run, actor=finance)
            payroll.approve_run(run, actor=approver, opinion="演示数据：按月审批")
    total = sum(
        (c for c in MedicalClaim.objects.filter(visit_date__year=YEAR).values_list("reimbursed", flat=True)),
        Decimal("0"),
    )
    if total != TOTAL:
        raise RuntimeError(f"医疗救助演示数据合计 {total} 元，与计划 {TOTAL} 元不符")
    ctx.log(f"医疗救助：{len(visits)} 人次，救助 {total} 元；临时救助 {len(aid)} 宗（均已按月发放）")


def _row(visit: Visit) -> dict:
    insurance = quantize_money(visit.out_of_pocket * Decimal(str(round(0.6 + (visit.day.day % 7) * 0.35, 2))))
    return {
        "id_number": visit.person.id_number,
        "visit_date": visit.day,
        "hospital": visit.hospital,
        "visit_type": visit.kind,
        "total_cost": visit.out_of_pocket + insurance,
        "insurance_paid": insurance,
        "other_paid": Decimal("0"),
        "diagnosis": visit.diagnosis if visit.kind != "outpatient" else "",
    }


def _plan_visits(ctx: DemoContext, persons: list[Person], scheme) -> list[Visit]:
    """The year's visits; the amounts scaled and the last one adjusted so the total is exact."""
    rng = ctx.rng
    pool = rng.sample(persons, CLAIMANTS + 2)
    severe, last_person, claimants = pool[0], pool[1], pool[2:]
    visits: list[Visit] = []
    for _ in range(VISITS - 5):
        person = claimants[
            int(len(claimants) * rng.random() ** 1.3)
        ]  # some visit often (dialysis, chronic care)
        pick = rng.random()
        kind, (low, high) = next(
            ((k, r) for k, share, r in _cumulative() if pick <= share), (KINDS[-1][0], KINDS[-1][2])
        )
        visits.append(_visit(rng, person, kind, Decimal(rng.randint(low * 100, high * 100)) / 100))
    # a seriously ill claimant: four inpatient stays that cross the annual cap in the autumn
    severe_visits = [
        Visit(severe, date(YEAR, m, 10), "inpatient", Decimal("120000.00"), HOSPITALS[7], "恶性肿瘤")
        for m in (3, 6, 9, 11)
    ]
    regions = {v.person.region_id: v.person for v in visits} | {p.region_id: p for p in (severe, last_person)}
    ctx_ = Context(  # one probe per region: the standards depend on the region and the month only
        [
            Entitlement(scheme=scheme, person=p, region_id=region_id, start_month=date(YEAR, 1, 1))
            for region_id, p in regions.items()
        ]
    )
    found: dict[tuple[int, int], object] = {}

    def standard(visit: Visit):
        key = (visit.person.region_id, visit.day.month)
        if key not in found:
            found[key] = ctx_.standard(scheme.pk, key[0], Month.of(visit.day))
        return found[key]

    fixed = _total(severe_visits, standard)
    raw = _total(visits, standard)
    factor = (TOTAL - fixed - LAST_CLAIM) / raw
    for visit in visits:
        visit.out_of_pocket = max(quantize_money(visit.out_of_pocket * factor), Decimal("1.00"))
    _dedupe(visits)
    remainder = TOTAL - fixed - _total(visits, standard)
    last = Visit(last_person, date(YEAR, 12, 28), "inpatient", Decimal("0"), HOSPITALS[0], "脑卒中")
    last.out_of_pocket = _out_of_pocket_for(remainder, standard(last))
    return [*visits, *severe_visits, last]


def _cumulative():
    running = 0.0
    for kind, share, limits in KINDS:
        running += share
        yield kind, running, limits


def _visit(rng, person: Person, kind: str, amount: Decimal) -> Visit:
    day = date(YEAR, rng.randint(1, 12), rng.randint(1, 28))
    diagnosis = rng.choice(DIAGNOSES)
    return Visit(person, day, kind, amount, rng.choice(HOSPITALS), diagnosis)


def _dedupe(visits: list[Visit]) -> None:
    """The same person, day, hospital, kind and cost may be claimed once: move repeats a day on."""
    seen = set()
    for visit in visits:
        while (key := (visit.person.pk, visit.day, visit.hospital, visit.kind, visit.out_of_pocket)) in seen:
            visit.day = visit.day + timedelta(days=1) if visit.day.day < 28 else visit.day.replace(day=1)
        seen.add(key)


def _total(visits: list[Visit], standard) -> Decimal:
    """What the visits reimburse, in order of visit date with each person's annual cap."""
    used: dict[int, Decimal] = defaultdict(Decimal)
    total = Decimal("0")
    for visit in sorted(visits, key=lambda v: v.day):
        amount, *_ = reimbursement(standard(visit), visit.out_of_pocket, used[visit.person.pk])
        used[visit.person.pk] += amount
        total += amount
    return total


def _out_of_pocket_for(amount: Decimal, row) -> Decimal:
    """An out-of-pocket cost that the formula turns into exactly `amount`."""
    ratio = Decimal(str(row.params["ratio"]))
    deductible = Decimal(str(row.params.get("deductible", "0")))
    guess = quantize_money(amount / ratio + deductible)
    for step in range(-3, 4):
        candidate = guess + Decimal(step) / 100
        if reimbursement(row, candidate, Decimal("0"))[0] == amount:
            return candidate
    raise RuntimeError(f"无法为 {amount} 元构造报销金额")


def _plan_temporary_aid(ctx: DemoContext, persons: list[Person]) -> list[tuple]:
    rng = ctx.rng
    plan = []
    for month in range(1, 13):
        for _ in range(3):
            day = date(YEAR, month, rng.randint(10, 28))
            amount = Decimal(rng.randrange(1000, 10001, 500))
            plan.append((rng.choice(persons), day, rng.choice(EMERGENCIES), amount))
    return plan


def _give_accounts(ctx: DemoContext, persons: set[Person]) -> None:
    have = set(BankAccount.objects.values_list("person_id", flat=True))
    accounts = [
        Account(p, "广州农村商业银行", p.name, f"6230{p.pk:012d}")
        for p in sorted(persons, key=lambda p: p.pk)
        if p.pk not in have
    ]
    created = set_bank_accounts(actor=ctx.actor, accounts=accounts)
    ctx.log(f"医疗救助、临时救助对象：新登记银行账户 {created} 个")
