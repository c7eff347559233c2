"""Demo data: the two disability subsidies (困难残疾人生活补贴, 重度残疾人护理补贴) paid through 2018.

The register's demo has under a thousand persons with a disability certificate; about eleven
thousand more are registered through the register's own import (`persons` data set). The plan
fixes who is paid from which month and who stops when (deaths and moves), so that:

- December 2018 has 13240 regular lines of the two subsidies (a person with both counts twice);
- the year's paid lines add up to 2831.03 万元 (28,310,300 元).

Both amounts are fixed monthly standards, so the year's total is (months of living subsidy) ×
its standard + (months of nursing subsidy) × its standard. The plan is drawn at random, then the
start months of entrants and the last months of leavers are moved one month at a time until
the total is exact (which changes no December count). Then everything goes through the real
services (bulk grant, end, bank accounts) and the real payroll, month by month.

困难残疾人生活补贴 recipients satisfy the product's rule (`services.application_rules.
living_subsidy_refusal`) in their first month: they are in a 低保 household or hold 特困, with a
household monthly income below the 低保 standard × members, or they are in a low-income
household (低收入困难家庭), with an income per member between the 低保 standard and the
low-income line (1.5 × the standard). The income is recorded as the entitlement's assessed
income; the subsidy is a fixed amount, so it changes no money figure. The incomes are drawn
from their own random sequence, so the plan (and every figure) is the same as without them.
The step ends by checking every living-subsidy entitlement of 2018 against the rule.
"""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from math import gcd
from pathlib import Path

from minzheng.assistance.programs import ensure_programs
from minzheng.assistance.services.application_rules import (
    in_need_on,
    living_subsidy_refusal,
    load_need_facts,
    low_income_test,
)
from minzheng.benefits.bulk import Grant, grant_entitlements
from minzheng.benefits.models import Entitlement, Standard
from minzheng.benefits.selectors import paid_amount, person_times
from minzheng.core.datasets import import_dataset
from minzheng.core.demo import DemoContext, demo_step
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Membership, Person, Region
from minzheng.registry.services import record_death
from minzheng.stats.registry import Period

from .dibao import MONTHS, YEAR, demo_users, end_in_groups, open_bank_accounts, pay_month

TARGET_PAID = Decimal("28310300.00")  # 2831.03 万元
TARGET_DECEMBER = 13240
# December roll, leavers and entrants per subsidy; persons with both are nursing recipients too
PLAN = {
    "nursing_subsidy": {"december": 7600, "leavers": 420, "entrants": 520},
    "living_subsidy": {"december": 5640, "leavers": 380, "entrants": 460},
}
BOTH = 2000  # December living-subsidy recipients who also receive the nursing subsidy
LEAVE_REASONS = ["死亡", "死亡", "迁出本区", "残疾等级复评后不再符合条件"]
CATEGORIES = ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]
SURNAMES = "陈李黄张梁何刘林罗郭吴麦冯谢邓曾周苏叶潘杨卢朱胡钟区韩江郑蔡"
GIVEN = "志伟明华建国文杰俊峰海军英红芳丽娟敏静燕婷玉兰秀梅嘉欣颖诗雅浩宇子轩家豪晓荣德成永强卓"
INCOME_SEED = "assistance-disability-income"  # the incomes' own sequence (see the module's docstring)


@dataclass
class Record:
    scheme: str
    start: int  # month number in 2018
    last: int | None = None  # last month paid (None: still paid in December)
    reason: str = ""
    person: Person | None = None

    @property
    def months(self) -> int:
        return (self.last or 12) - self.start + 1


def plan_records(rng, amounts: dict[str, Decimal]) -> list[Record]:
    records: list[Record] = []
    for scheme, numbers in PLAN.items():
        stayers = numbers["december"] - numbers["entrants"]
        records += [Record(scheme, 1) for _ in range(stayers)]
        records += [Record(scheme, rng.randint(2, 12)) for _ in range(numbers["entrants"])]
        records += [
            Record(scheme, 1, rng.randint(1, 11), rng.choice(LEAVE_REASONS))
            for _ in range(numbers["leavers"])
        ]
    _calibrate(rng, records, amounts)
    return records


def _calibrate(rng, records: list[Record], amounts: dict[str, Decimal]) -> None:
    """Move entrants' start months and leavers' last months until the total is exactly the target."""
    unit = gcd(int(amounts["living_subsidy"] * 100), int(amounts["nursing_subsidy"] * 100))
    units = {code: int(amount * 100) // unit for code, amount in amounts.items()}
    total = sum(units[r.scheme] * r.months for r in records)
    target = int(TARGET_PAID * 100)
    if target % unit:
        raise RuntimeError("两项补贴演示数据：目标金额不是两项标准最大公约数的整数倍")
    gap = target // unit - total
    living, nursing = units["living_subsidy"], units["nursing_subsidy"]
    k_living = next(k for k in range(nursing) if (gap - k * living) % nursing == 0)
    k_nursing = (gap - k_living * living) // nursing
    movable = [r for r in records if r.start > 1 or r.last is not None]
    rng.shuffle(movable)
    for scheme, steps in (("living_subsidy", k_living), ("nursing_subsidy", k_nursing)):
        _move(scheme, steps, [r for r in movable if r.scheme == scheme])
    if sum(units[r.scheme] * r.months for r in records) != target // unit:
        raise RuntimeError("两项补贴演示数据无法校准")


def _move(scheme: str, steps: int, records: list[Record]) -> None:
    """Add (steps > 0) or remove paid months one at a time, round-robin, keeping December unchanged."""
    direction = 1 if steps > 0 else -1
    remaining = abs(steps)
    while remaining:
        moved = False
        for r in records:
            if not remaining:
                break
            if r.last is None and 2 <= r.start - direction <= 12:
                r.start -= direction
            elif r.last is not None and 1 <= r.last + direction <= 11:
                r.last += direction
            else:
                continue
            remaining -= 1
            moved = True
        if not moved:
            raise RuntimeError(f"两项补贴演示数据无法校准（{scheme} 尚差 {remaining} 个月）")


def register_people(ctx: DemoContext, count: int, grades: list[int]) -> list[Person]:
    """Register `count` persons with a disability certificate through the persons import."""
    rng = ctx.rng
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE, valid_to__isnull=True).order_by("code"))
    used = set(Person.objects.values_list("id_number", flat=True))
    rows = []
    for index in range(count):
        born = date(rng.randint(1930, 2012), 1, 1) + timedelta(days=rng.randint(0, 364))
        while True:
            number = make_id_number("440113", born, rng.randrange(0, 1000))
            if number not in used:
                used.add(number)
                break
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
        grade = grades[index % len(grades)]
        rows.append(
            [number, name, rng.choice(villages).code, rng.choice(CATEGORIES), "一二三四"[grade - 1] + "级"]
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "disabled_persons.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["身份证号码", "姓名", "户籍村居代码", "残疾类别", "残疾等级"])
            writer.writerows(rows)
        result = import_dataset("persons", path, actor=ctx.actor)
    if not result.ok:
        raise RuntimeError("演示数据导入失败（残疾人员）：" + "；".join(result.errors[:5]))
    by_number = Person.objects.in_bulk([row[0] for row in rows], field_name="id_number")
    return [by_number[row[0]] for row in rows]


def _amounts(schemes) -> dict[str, Decimal]:
    found = {}
    for code in PLAN:
        rows = Standard.objects.filter(scheme=schemes[code], region__level=Region.Level.DISTRICT)
        amounts = {
            row.amount
            for row in rows
            if row.valid_from.year <= YEAR and (row.valid_to is None or row.valid_to.year >= YEAR)
        }
        if len(amounts) != 1:
            raise RuntimeError(f"两项补贴演示数据：{code} 的 2018 年标准应为全年单一金额")
        found[code] = amounts.pop()
    return found


def _assign_people(ctx: DemoContext, records: list[Record]) -> None:
    """Severe (grades 1–2) for the nursing subsidy; BOTH of the living subsidy's December
    recipients are nursing recipients too; the others have grades 3–4."""
    rng = ctx.rng
    taken = set(Entitlement.objects.values_list("person_id", flat=True))
    existing = list(
        Person.objects.filter(disability_grade__isnull=False, death_date__isnull=True)
        .exclude(pk__in=taken)
        .order_by("pk")
    )
    severe = [p for p in existing if p.disability_grade <= 2]
    mild = [p for p in existing if p.disability_grade > 2]
    nursing = [r for r in records if r.scheme == "nursing_subsidy"]
    living = [r for r in records if r.scheme == "living_subsidy"]
    shared = [r for r in living if r.last is None][:BOTH]
    shared_ids = {id(r) for r in shared}
    own = [r for r in living if id(r) not in shared_ids]
    severe += register_people(ctx, max(0, len(nursing) - len(severe)), [1, 2])
    mild += register_people(ctx, max(0, len(own) - len(mild)), [3, 4, 4])
    rng.shuffle(severe)
    rng.shuffle(mild)
    for record, person in zip(nursing, severe, strict=False):
        record.person = person
    holders = [r.person for r in nursing if r.last is None and r.start == 1]
    for record, person in zip(shared, holders, strict=False):
        record.person = person
    for record, person in zip(own, mild, strict=False):
        record.person = person


def _leave(record: Record, officer, rng, members: set[int]) -> str:
    """A recipient stops after `record.last`: a death is recorded in the register first (for
    persons without a household here, so no 低保 household is recalculated after its payroll)."""
    last = Month(YEAR, record.last)
    reason = record.reason
    if reason == "死亡" and record.person.pk in members:
        reason = "残疾等级复评后不再符合条件"
    if reason == "死亡":
        record_death(
            record.person, actor=officer, death_date=last.first_day + timedelta(days=rng.randint(0, 27))
        )
    return reason


def _incomes(records: list[Record]) -> dict[int, Decimal]:
    """The investigated household monthly income of each living-subsidy record (by `id`), in
    steps of 10 元: below the 低保 standard × members for a 低保 / 特困 household, between it and
    the low-income line × members otherwise."""
    rng = random.Random(INCOME_SEED)
    living = [r for r in records if r.scheme == "living_subsidy"]
    facts = load_need_facts(r.person for r in living)
    incomes: dict[int, Decimal] = {}
    for record in living:
        day = Month(YEAR, record.start).first_day
        test = low_income_test(facts, record.person, day, Decimal("0"))
        if test is None:
            raise RuntimeError(f"两项补贴演示数据：{day:%Y-%m} 没有适用的低保标准")
        dibao_line = int(test.standard * test.members)
        low_line = int(test.standard * test.multiple * test.members)  # not reached: step 10 below
        if in_need_on(facts, record.person, day):
            income = rng.randrange(0, dibao_line, 10)
        else:
            income = rng.randrange(dibao_line, low_line - 1, 10)
        incomes[id(record)] = Decimal(income)
    return incomes


def _check_household_status() -> int:
    """Every living-subsidy entitlement paid in 2018 satisfies the rule in its first month."""
    held = list(
        Entitlement.objects.filter(scheme__code="living_subsidy", start_month__lte=Month(YEAR, 12).first_day)
        .exclude(end_month__lt=Month(YEAR, 1).first_day)
        .select_related("person")
    )
    facts = load_need_facts(e.person for e in held)
    refused = [
        problem
        for e in held
        if (problem := living_subsidy_refusal(facts, e.person, e.start_month, e.assessed_income))
    ]
    if refused:
        raise RuntimeError(f"困难残疾人生活补贴演示数据有 {len(refused)} 人不符合条件，如：{refused[0]}")
    return len(held)


@demo_step(115, "assistance-disability")
def create_disability_subsidies(ctx: DemoContext) -> None:
    schemes = ensure_programs(actor=ctx.actor)
    if Entitlement.objects.filter(scheme__code__in=list(PLAN)).exists():
        ctx.log("两项补贴：已有演示数据，跳过")
        return
    officer, builder, approver = demo_users()
    records = plan_records(ctx.rng, _amounts(schemes))
    _assign_people(ctx, records)
    open_bank_accounts(list({r.person.pk: r.person for r in records}.values()), actor=officer)
    members = set(Membership.objects.values_list("person_id", flat=True))
    incomes = _incomes(records)
    granted: dict[int, Entitlement] = {}
    for number, month in enumerate(MONTHS, start=1):
        leaving = [
            (granted[id(r)], _leave(r, officer, ctx.rng, members))
            for r in records
            if r.last is not None and r.last + 1 == number
        ]
        end_in_groups(leaving, actor=officer, last_month=month - 1)
        for code in PLAN:
            starting = [r for r in records if r.scheme == code and r.start == number]
            made = grant_entitlements(
                actor=officer,
                scheme=schemes[code],
                grants=[
                    Grant(
                        person=r.person, start_month=month, assessed_income=incomes.get(id(r), Decimal("0"))
                    )
                    for r in starting
                ],
                reason="审批通过，核定残疾人补贴",
            )
            granted.update({id(r): e for r, e in zip(starting, made, strict=True)})
            pay_month(schemes[code], month, builder=builder, approver=approver)
    year = Period.for_year(YEAR)
    paid = paid_amount(list(PLAN), year)
    december = person_times(list(PLAN), Month(YEAR, 12))
    if paid != TARGET_PAID or december != TARGET_DECEMBER:
        raise RuntimeError(f"两项补贴演示数据校准失败：全年 {paid} 元、12月 {december} 人次")
    living = _check_household_status()
    ctx.log(
        f"两项补贴：{len(records)} 条资格，全年发放 {paid} 元，12月 {december} 人次；"
        f"生活补贴 {living} 人均属低保、特困或低收入困难家庭"
    )
