"""Who may apply for what: the checks an application must pass before it is taken in.

The rules are written once, over facts loaded in advance (`ApplicantFacts`), so that the intake
service (one applicant) and the bulk import (thousands, loaded per chunk with a fixed number of
queries) refuse the same cases with the same Chinese messages. Each message names its field:
`person` (the applicant's own state), `household`, `program` (schemes already held),
`applied_on`, `declared_income`, `relative_note`.

A second open application for the same person and program is not checked here: the database
constraint `one_open_application_per_person_program` refuses it (see services.applications).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q

from minzheng.benefits.models import Entitlement, Scheme
from minzheng.registry.models import Household, Membership, Person

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


def load_facts(persons: Iterable[Person], households: Iterable[Household | None] = ()) -> ApplicantFacts:
    """Four queries, whatever the number of applicants."""
    person_ids = {p.pk for p in persons}
    household_ids = {h.pk for h in households if h is not None}
    facts = ApplicantFacts()
    held = Entitlement.objects.filter(status__in=HELD).filter(
        Q(person_id__in=person_ids) | Q(household_id__in=household_ids)
    )
    for person_id, household_id, code in held.values_list("person_id", "household_id", "scheme__code"):
        facts.held_by_person[person_id].add(code)
        if household_id:
            facts.held_by_household[household_id].add(code)
    facts.current_household = dict(
        Membership.objects.filter(person_id__in=person_ids, valid_to__isnull=True).values_list(
            "person_id", "household_id"
        )
    )
    for code, name in Scheme.objects.values_list("code", "name"):
        facts.names[code] = name
    for code, other in Scheme.excludes.through.objects.values_list("from_scheme__code", "to_scheme__code"):
        facts.excludes[code].add(other)
    return facts


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
        clash = sorted(facts.excludes.get(str(program), set()) & facts.held_by_person.get(person.pk, set()))
        if clash:
            errors["program"] = (
                f"{name}正在享受“{facts.names.get(clash[0], clash[0])}”，与“{label}”不能同时享受"
            )

    if applied_on > today:
        errors["applied_on"] = "申请日期不能晚于今天"
    if declared_income is None or declared_income < 0:
        errors["declared_income"] = "申报家庭月收入不能为负数"
    if relative_in_civil_affairs and not (relative_note or "").strip():
        errors["relative_note"] = "申报有近亲属在民政部门或村居工作的，请填写其姓名、工作单位和与申请人的关系"
    return errors


def check_eligibility(**kwargs) -> None:
    errors = eligibility_errors(**kwargs)
    if errors:
        raise ValidationError({key: [message] for key, message in errors.items()})
