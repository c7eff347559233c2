"""Who may apply for what: the checks an application must pass before it is taken in.

The rules are written once, over facts loaded in advance (`ApplicantFacts`), so that the intake
service (one applicant) and the bulk import (thousands, loaded per chunk with a fixed number of
queries) refuse the same cases with the same Chinese messages. Each message names its field:
`person` (the applicant's own state), `household`, `program` (schemes already held),
`applied_on`, `declared_income`, `relative_note`.

困难残疾人生活补贴 depends on the household's status as well as on the disability grade
(`living_subsidy_refusal`): the applicant qualifies when, on the application date, (a) they are
a member of a household whose 低保 is paid, or hold 特困 (`in_need_on`), or (b) the household is
a 低收入困难家庭: the investigated household monthly income (`Application.assessed_income`)
divided by the household's members on that date is below `low_income_multiple` × the 低保
standard in force for the household's region in that month (`low_income_test`). The income is
only known after the household investigation, so intake checks the disability certificate only
("(a) or not yet known" passes); the status and income are checked at 镇街审核 and 区级审批
(`services.applications`). 重度残疾人护理补贴 needs grade 1–2 only, without any income test.

Schemes that exclude each other (`Scheme.excludes`, e.g. 特困 and 低保) are checked as the
benefits engine checks them (`benefits.exclusions`): a person holds a scheme they receive
themselves or that their household receives (a household scheme such as 低保, paid to the head),
and a household program is refused when a member of the household holds a scheme excluding it.

A second open application for the same person and program is not checked here: the database
constraint `one_open_application_per_person_program` refuses it (see services.applications).
A second open 低保 application for the same household by another member is refused here with
its own message; the constraint `one_open_application_per_household_program` is the guarantee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q

from minzheng.benefits.models import Entitlement, Scheme, Standard
from minzheng.core.money import quantize_money
from minzheng.registry.models import Household, Membership, Person, Region

from ..models import OPEN_STATUSES, Application
from ..programs import Program

CHILD_PROGRAMS = frozenset({Program.ORPHAN, Program.UNSUPPORTED_CHILD, Program.CHILDREN_SUBSIDY})
HOUSEHOLD_PROGRAMS = frozenset({Program.DIBAO})
ADULT_AGE = 18
HELD = (Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED)


@dataclass
class ApplicantFacts:
    """What is known about applicants and the schemes they already hold (loaded together)."""

    held_by_person: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    held_by_household: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    current_household: dict[int, int] = field(default_factory=dict)  # person id → household id
    excludes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    names: dict[str, str] = field(default_factory=dict)  # scheme code → name
    household_schemes: set[str] = field(default_factory=set)  # codes of schemes paid per household
    # current members (id, name) of the households looked at: the given and the applicants' own
    members: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    # (household id, program) → (applicant id, applicant name) of an open household application
    open_household_applications: dict[tuple[int, str], tuple[int, str]] = field(default_factory=dict)


def load_facts(persons: Iterable[Person], households: Iterable[Household | None] = ()) -> ApplicantFacts:
    """Six queries, whatever the number of applicants. The households looked at are the given
    ones and the applicants' current households, with their current members."""
    person_ids = {p.pk for p in persons}
    facts = ApplicantFacts()
    facts.current_household = dict(
        Membership.objects.filter(person_id__in=person_ids, valid_to__isnull=True).values_list(
            "person_id", "household_id"
        )
    )
    household_ids = {h.pk for h in households if h is not None} | set(facts.current_household.values())
    for household_id, member_id, member_name in (
        Membership.objects.filter(household_id__in=household_ids, valid_to__isnull=True)
        .order_by("household_id", "valid_from", "id")
        .values_list("household_id", "person_id", "person__name")
    ):
        facts.members[household_id].append((member_id, member_name))
    member_ids = {member for rows in facts.members.values() for member, _name in rows}
    held = Entitlement.objects.filter(status__in=HELD).filter(
        Q(person_id__in=person_ids | member_ids) | Q(household_id__in=household_ids)
    )
    for person_id, household_id, code in held.values_list("person_id", "household_id", "scheme__code"):
        facts.held_by_person[person_id].add(code)
        if household_id:
            facts.held_by_household[household_id].add(code)
    for code, name, unit in Scheme.objects.values_list("code", "name", "unit"):
        facts.names[code] = name
        if unit == Scheme.Unit.HOUSEHOLD:
            facts.household_schemes.add(code)
    open_applications = Application.objects.filter(
        household_id__in=household_ids, program__in=HOUSEHOLD_PROGRAMS, status__in=OPEN_STATUSES
    ).values_list("household_id", "program", "person_id", "person__name")
    for household_id, program, applicant_id, applicant_name in open_applications:
        facts.open_household_applications[(household_id, program)] = (applicant_id, applicant_name)
    for code, other in Scheme.excludes.through.objects.values_list("from_scheme__code", "to_scheme__code"):
        facts.excludes[code].add(other)
    return facts


# --- 困难残疾人生活补贴: 低保 / 特困 status, or a low-income household -------------------------------

# RULES.md §2: "the low-income line is 1.5 × the standard". Used only when the living subsidy's
# standard in force does not set `params["low_income_multiple"]` (the multiple is data, per region
# and period, like the amounts).
DEFAULT_LOW_INCOME_MULTIPLE = Decimal("1.5")
LOW_INCOME_MULTIPLE_KEY = "low_income_multiple"
# (region id, first month, last month or None, amount, params) of the schemes' standards
StandardRow = tuple[int, date, date | None, Decimal | None, dict]


@dataclass
class NeedFacts:
    """What the living subsidy's status and income tests need, loaded for many persons at once."""

    # every membership of the persons: (household id, from, to)
    memberships: dict[int, list[tuple[int, date, date | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # the months (start, end) the persons' 低保 households / the persons' own 低保 or 特困 were paid
    dibao_households: dict[int, list[tuple[date, date | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    in_need_persons: dict[int, list[tuple[date, date | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # every membership of those households: household id → [(from, to, member's death date)]
    household_members: dict[int, list[tuple[date, date | None, date | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    household_region: dict[int, int] = field(default_factory=dict)
    ancestors: dict[int, list[int]] = field(default_factory=dict)  # region id → ids from the top
    standards: dict[str, list[StandardRow]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class LowIncomeTest:
    """The low-income test of one household on one day (figures for the decision's message)."""

    income: Decimal  # investigated household monthly income
    members: int
    standard: Decimal  # 低保 standard in force
    multiple: Decimal  # low-income multiple of the living subsidy's standard

    @property
    def per_member(self) -> Decimal:
        return quantize_money(self.income / self.members)

    @property
    def line(self) -> Decimal:
        return quantize_money(self.standard * self.multiple)

    @property
    def passes(self) -> bool:  # exact comparison; the quantized figures are for display
        return self.income < self.standard * self.multiple * self.members

    def describe(self) -> str:
        above = "高于" if self.income > self.standard * self.multiple * self.members else "等于"
        multiple = format(self.multiple.normalize(), "f")
        return (
            f"家庭人均月收入 {self.per_member} 元（家庭月收入 {quantize_money(self.income)} 元，"
            f"{self.members} 人），{above}低收入标准 {self.line} 元（低保标准 {self.standard} × {multiple}）"
        )


def load_need_facts(persons: Iterable[Person]) -> NeedFacts:
    """Five queries, whatever the number of persons. Suspended entitlements do not count: payment
    is stopped pending review."""
    persons = list(persons)
    person_ids = {p.pk for p in persons}
    facts = NeedFacts()
    memberships = Membership.objects.filter(person_id__in=person_ids)
    for person_id, household_id, region_id, since, until in memberships.values_list(
        "person_id", "household_id", "household__region_id", "valid_from", "valid_to"
    ):
        facts.memberships[person_id].append((household_id, since, until))
        facts.household_region[household_id] = region_id
    granted = Entitlement.objects.filter(
        Q(scheme__code=Program.DIBAO, household_id__in=memberships.values("household_id"))
        | Q(scheme__code__in=[Program.DIBAO, Program.TEKUN], person_id__in=person_ids),
        status__in=[Entitlement.Status.ACTIVE, Entitlement.Status.ENDED],
    )
    for code, person_id, household_id, start, end in granted.values_list(
        "scheme__code", "person_id", "household_id", "start_month", "end_month"
    ):
        if code == Program.DIBAO and household_id:
            facts.dibao_households[household_id].append((start, end))
        if person_id in person_ids:
            facts.in_need_persons[person_id].append((start, end))
    for household_id, since, until, died in Membership.objects.filter(
        household_id__in=memberships.values("household_id")
    ).values_list("household_id", "valid_from", "valid_to", "person__death_date"):
        facts.household_members[household_id].append((since, until, died))
    region_ids = {p.region_id for p in persons} | set(facts.household_region.values())
    for region_id, path in Region.objects.filter(pk__in=region_ids).values_list("id", "path"):
        facts.ancestors[region_id] = [int(part) for part in path.strip("/").split("/") if part]
    for code, *row in Standard.objects.filter(
        scheme__code__in=[Program.DIBAO, Program.LIVING_SUBSIDY]
    ).values_list("scheme__code", "region_id", "valid_from", "valid_to", "amount", "params"):
        facts.standards[code].append(tuple(row))
    return facts


def _paid_in(periods, day: date) -> bool:
    month = day.replace(day=1)
    return any(start <= month and (end is None or month <= end) for start, end in periods)


def _member_on(since: date, until: date | None, day: date) -> bool:
    return since <= day and (until is None or day < until)


def household_on(facts: NeedFacts, person: Person, day: date) -> int | None:
    """The household the person belongs to on `day` (None: registered without a household)."""
    for household_id, since, until in facts.memberships.get(person.pk, ()):
        if _member_on(since, until, day):
            return household_id
    return None


def in_need_on(facts: NeedFacts, person: Person, day: date) -> bool:
    """On `day`: holds 特困 (or 低保 as the payee), or belongs to a household whose 低保 is paid."""
    if _paid_in(facts.in_need_persons.get(person.pk, ()), day):
        return True
    return any(
        _member_on(since, until, day) and _paid_in(facts.dibao_households.get(hh, ()), day)
        for hh, since, until in facts.memberships.get(person.pk, ())
    )


def _standard_on(facts: NeedFacts, code: str, region_id: int, day: date) -> StandardRow | None:
    """The most specific standard row of the scheme in force in `day`'s month at the region or above."""
    chain = facts.ancestors.get(region_id, [])
    month = day.replace(day=1)
    best, depth = None, -1
    for row in facts.standards.get(code, ()):
        region, since, until = row[0], row[1], row[2]
        if region in chain and since <= month and (until is None or month <= until):
            if chain.index(region) > depth:
                best, depth = row, chain.index(region)
    return best


def low_income_test(facts: NeedFacts, person: Person, day: date, income: Decimal) -> LowIncomeTest | None:
    """The household's low-income test on `day` (None when no 低保 standard is in force there).
    Members: the household's members on that day, alive; a person without a household counts
    alone. Region: the household's (else the person's)."""
    household_id = household_on(facts, person, day)
    if household_id is None:
        members, region_id = 1, person.region_id
    else:
        members = sum(
            1
            for since, until, died in facts.household_members.get(household_id, ())
            if _member_on(since, until, day) and (died is None or died >= day)
        )
        region_id = facts.household_region[household_id]
    dibao = _standard_on(facts, Program.DIBAO, region_id, day)
    if dibao is None or dibao[3] is None:
        return None
    own = _standard_on(facts, Program.LIVING_SUBSIDY, region_id, day)
    multiple = Decimal(str((own[4] if own else {}).get(LOW_INCOME_MULTIPLE_KEY, DEFAULT_LOW_INCOME_MULTIPLE)))
    return LowIncomeTest(income=income, members=max(members, 1), standard=dibao[3], multiple=multiple)


def living_subsidy_refusal(facts: NeedFacts, person: Person, day: date, income: Decimal | None) -> str | None:
    """Why the applicant does not qualify for 困难残疾人生活补贴 on `day` (the application date)
    with the investigated household monthly `income`; None when they do. Not called at intake:
    there the income is not known yet."""
    if in_need_on(facts, person, day):
        return None
    label = program_label(Program.LIVING_SUBSIDY)
    status = f"{person.name}在申请日（{day:%Y-%m-%d}）既不是享受低保家庭的成员，也不是特困人员"
    rule = f"{label}仅限低保家庭、特困人员和低收入困难家庭中的残疾人"
    if income is None:
        return f"{status}，调查未核定家庭月收入，无法认定是否为低收入困难家庭：请退回重新调查并核定家庭月收入"
    test = low_income_test(facts, person, day, income)
    if test is None:
        return f"{status}，申请日所在月份没有适用的低保标准，无法认定是否为低收入困难家庭"
    if test.passes:
        return None
    return f"{status}；{test.describe()}：{rule}，应作不予批准处理"


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def program_label(program: str) -> str:
    return str(Program(program).label)


def eligibility_errors(
    *,
    program: str,
    person: Person,
    household: Household | None,
    applied_on: date,
    declared_income: Decimal,
    relative_in_civil_affairs: bool,
    relative_note: str,
    today: date,
    facts: ApplicantFacts,
) -> dict[str, str]:
    """The reasons (one per field) why this application cannot be taken in; empty when it can."""
    errors: dict[str, str] = {}
    label = program_label(program)
    name = person.name

    if person.death_date is not None:
        errors["person"] = f"{name}已于{person.death_date:%Y-%m-%d}死亡，不能申请{label}"
    elif program == Program.LIVING_SUBSIDY and person.disability_grade is None:
        errors["person"] = f"{name}未登记残疾等级（须持残疾人证），不能申请{label}"
    elif program == Program.NURSING_SUBSIDY and (person.disability_grade or 9) > 2:
        grade = f"残疾等级为{person.disability_grade}级" if person.disability_grade else "未登记残疾等级"
        errors["person"] = f"{name}{grade}，{label}仅限一级、二级重度残疾人"
    elif program in CHILD_PROGRAMS and age_on(person.birth_date, applied_on) >= ADULT_AGE:
        errors["person"] = (
            f"{name}申请时已满{ADULT_AGE}周岁（出生于{person.birth_date:%Y-%m-%d}），不能申请{label}"
        )

    if program in HOUSEHOLD_PROGRAMS and household is None:
        errors["household"] = f"{label}以家庭为单位申请，请指定申请人所在的家庭户"
    elif household is not None and facts.current_household.get(person.pk) != household.pk:
        errors["household"] = f"{name}不是该家庭户（{household.number or household.pk}）的现有成员"

    held = facts.held_by_person.get(person.pk, set())
    if program in HOUSEHOLD_PROGRAMS and household is not None:
        held = held | facts.held_by_household.get(household.pk, set())
    if str(program) in held:
        who = "该家庭户" if program in HOUSEHOLD_PROGRAMS else name
        errors["program"] = f"{who}已在享受“{facts.names.get(str(program), label)}”，不能重复申请"
    else:
        clash = _excluded_holding(program, person, household, facts)
        if clash:
            errors["program"] = clash
    if program in HOUSEHOLD_PROGRAMS and household is not None and "household" not in errors:
        applicant = facts.open_household_applications.get((household.pk, str(program)))
        if applicant is not None and applicant[0] != person.pk:  # the same person: the constraint says it
            errors["household"] = (
                f"该家庭户已有一件“{label}”申请正在办理（申请人{applicant[1]}），办结前不能再次申请"
            )

    if applied_on > today:
        errors["applied_on"] = "申请日期不能晚于今天"
    if declared_income is None or declared_income < 0:
        errors["declared_income"] = "申报家庭月收入不能为负数"
    if relative_in_civil_affairs and not (relative_note or "").strip():
        errors["relative_note"] = "申报有近亲属在民政部门或村居工作的，请填写其姓名、工作单位和与申请人的关系"
    return errors


def _excluded_holding(program: str, person: Person, household: Household | None, facts) -> str | None:
    """Why `program` clashes with a scheme held by the applicant, their household, or (household
    programs) another current member of the household; None when nothing clashes."""
    excluded = facts.excludes.get(str(program), set())
    if not excluded:
        return None
    label = program_label(program)

    def first(codes: set[str]) -> str | None:
        return facts.names.get(min(codes), min(codes)) if codes else None

    held = first(excluded & facts.held_by_person.get(person.pk, set()))
    if held:
        return f"{person.name}正在享受“{held}”，与“{label}”不能同时享受"
    own = (facts.current_household.get(person.pk), household.pk if household is not None else None)
    for household_id in dict.fromkeys(h for h in own if h):
        held = first(excluded & facts.household_schemes & facts.held_by_household.get(household_id, set()))
        if held:
            return f"{person.name}所在家庭户正在享受“{held}”，与“{label}”不能同时享受"
    if program in HOUSEHOLD_PROGRAMS and household is not None:
        for member_id, member_name in facts.members.get(household.pk, ()):
            if member_id == person.pk:
                continue
            held = first(excluded & facts.held_by_person.get(member_id, set()))
            if held:
                return f"家庭成员{member_name}正在享受“{held}”，与“{label}”不能同时享受"
    return None


def check_eligibility(**kwargs) -> None:
    errors = eligibility_errors(**kwargs)
    if errors:
        raise ValidationError({key: [message] for key, message in errors.items()})
