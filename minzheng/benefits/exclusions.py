"""Mutually exclusive schemes (`Scheme.excludes`), held by a person or through their household.

A person holds a scheme in some months when an open entitlement of it (active or suspended)
overlapping those months is their own, or when they are a member of a household holding it —
a household-unit entitlement of a household they belong to (`registry.Membership` valid on the
grant's start month). So a member of a household receiving 低保 holds 低保 even though the head
is the payee. The other direction as well: a household scheme is refused when a member of the
household (valid on the start month) holds a scheme that excludes it.

`exclusion_clashes` checks a whole batch with a fixed number of queries (the excluded schemes,
the memberships, the entitlements); `grant_entitlement` checks one grant with it.

Locks (`lock_households`): a grant locks the households concerned — the grant's household and,
when the scheme excludes another, the households the person belongs to in the start month — in
primary-key order, and only then the person rows (in primary-key order). Household before
person, everywhere (the registry's `add_member` takes the same order), so two grants of
mutually exclusive schemes for the same person or household run one after the other and the
second one sees the first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q

from minzheng.core.months import Month
from minzheng.registry.models import Household, Membership

from .models import Entitlement, Scheme

OPEN = (Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED)


@dataclass(frozen=True)
class Claim:
    """One grant to check: who, for which household (household schemes), in which months."""

    person_id: int
    person_name: str
    start: Month
    end: Month | None = None
    household_id: int | None = None


def _valid_between(first: Month, last: Month) -> Q:
    """Memberships valid at some point of the months `first`…`last`."""
    return Q(valid_from__lt=(last + 1).first_day) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=first.first_day)
    )


def _valid_on(valid_from, valid_to, month: Month) -> bool:
    return valid_from < (month + 1).first_day and (valid_to is None or valid_to >= month.first_day)


def lock_households(
    *, household_ids: Iterable[int], person_ids: Iterable[int] = (), first: Month | None = None, last=None
) -> None:
    """Lock (FOR UPDATE) the households and, when `first` is given, the households the persons
    belong to between `first` and `last` — in primary-key order. Call before locking persons."""
    ids = {pk for pk in household_ids if pk is not None}
    person_ids = list(person_ids)
    if first is not None and person_ids:
        ids |= set(
            Membership.objects.filter(person_id__in=person_ids)
            .filter(_valid_between(first, last or first))
            .values_list("household_id", flat=True)
        )
    if ids:
        list(
            Household.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def exclusion_clashes(scheme: Scheme, claims: Sequence[Claim]) -> dict[int, str]:
    """Position in `claims` → why `scheme` cannot be granted there (an excluded scheme is held by
    the person, by their household, or — for a household scheme — by a member of the household)."""
    excluded = list(scheme.excludes.values_list("pk", flat=True))
    if not excluded or not claims:
        return {}
    first = min(c.start for c in claims)
    last = max(c.start for c in claims)
    person_ids = {c.person_id for c in claims}
    household_claims = scheme.unit == Scheme.Unit.HOUSEHOLD
    target_households = {c.household_id for c in claims if c.household_id} if household_claims else set()
    memberships = Membership.objects.filter(
        Q(person_id__in=person_ids) | Q(household_id__in=target_households)
    ).filter(_valid_between(first, last))
    households_of = defaultdict(list)  # person → [(household, from, to)]
    members_of = defaultdict(list)  # household → [(person, name, from, to)]
    for person_id, household_id, valid_from, valid_to, name in memberships.values_list(
        "person_id", "household_id", "valid_from", "valid_to", "person__name"
    ):
        if person_id in person_ids:
            households_of[person_id].append((household_id, valid_from, valid_to))
        if household_id in target_households:
            members_of[household_id].append((person_id, name, valid_from, valid_to))
    member_ids = {m[0] for rows in members_of.values() for m in rows}
    household_ids = {h[0] for rows in households_of.values() for h in rows} | target_households
    held = (
        Entitlement.objects.filter(scheme_id__in=excluded, status__in=OPEN)
        .filter(
            Q(person_id__in=person_ids | member_ids)
            | Q(scheme__unit=Scheme.Unit.HOUSEHOLD, household_id__in=household_ids)
        )
        .order_by("pk")
        .values_list("person_id", "household_id", "scheme__unit", "scheme__name", "start_month", "end_month")
    )
    by_person, by_household = defaultdict(list), defaultdict(list)
    for person_id, household_id, unit, name, start, end in held:
        by_person[person_id].append((name, start, end))
        if unit == Scheme.Unit.HOUSEHOLD and household_id:
            by_household[household_id].append((name, start, end))
    problems: dict[int, str] = {}
    for index, claim in enumerate(claims):
        message = _clash(scheme, claim, by_person, by_household, households_of, members_of)
        if message:
            problems[index] = message
    return problems


def _clash(scheme, claim: Claim, by_person, by_household, households_of, members_of) -> str | None:
    def overlapping(rows):
        for name, start, end in rows:
            if (claim.end is None or start <= claim.end.first_day) and (
                end is None or end >= claim.start.first_day
            ):
                return name
        return None

    both = f"与“{scheme.name}”不能同时享受"
    name = overlapping(by_person.get(claim.person_id, ()))
    if name:
        return f"{claim.person_name}正在享受“{name}”，{both}"
    own = [
        h for h, start, end in households_of.get(claim.person_id, ()) if _valid_on(start, end, claim.start)
    ]
    if scheme.unit == Scheme.Unit.HOUSEHOLD and claim.household_id:
        own.append(claim.household_id)
    for household_id in dict.fromkeys(own):
        name = overlapping(by_household.get(household_id, ()))
        if name:
            return f"{claim.person_name}所在家庭户正在享受“{name}”，{both}"
    if scheme.unit == Scheme.Unit.HOUSEHOLD and claim.household_id:
        for person_id, member, start, end in members_of.get(claim.household_id, ()):
            if person_id == claim.person_id or not _valid_on(start, end, claim.start):
                continue
            name = overlapping(by_person.get(person_id, ()))
            if name:
                return f"家庭成员{member}正在享受“{name}”，{both}"
    return None
