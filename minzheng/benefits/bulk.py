"""Writes of the benefits engine for many records at once (a batch approved together, an import,
the demo): the rules of the one-record services in `services`, with a fixed number of queries.

`grant_entitlements` applies the rules of `services.grant_entitlement` to a whole batch — scope, deaths, exclusions and "already receiving" are checked with one
query each, the entitlements and their audit rows are bulk-inserted, and what they owe is
computed by the engine's batched `recalculate` — so a batch of ten thousand takes seconds, not
minutes. All or nothing: one refused row refuses the batch, with every reason, numbered by row.
`end_entitlements` ends many entitlements after the same month (one recalculation), and
`set_bank_accounts` records many accounts (one insert, one audit insert).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.core.audit import request_ip
from minzheng.core.datasets import insert_values
from minzheng.core.masking import display_name, mask_bank_account
from minzheng.core.models import AuditLog
from minzheng.core.money import quantize_money
from minzheng.core.months import Month
from minzheng.registry.models import Household, Person, Region

from .exclusions import Claim, exclusion_clashes, lock_households
from .models import AmountPeriod, BankAccount, Entitlement, Scheme
from .recalculation import flag_adjustment, recalculate
from .services import set_bank_account

OPEN = (Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED)


@dataclass(frozen=True)
class Grant:
    """One row of a batch: who, from (and until) which month, and for what household or amount."""

    person: Person
    start_month: Month
    household: Household | None = None
    end_month: Month | None = None
    assessed_income: Decimal = Decimal("0")
    fixed_amount: Decimal | None = None


@transaction.atomic
def grant_entitlements(
    *, actor, scheme: Scheme, grants: Sequence[Grant], reason: str = "核定待遇"
) -> list[Entitlement]:
    """Grant `scheme` to every row of `grants`; returns the new entitlements in row order.

    Locks as `services.grant_entitlement` does, in the same order: the households concerned
    (the rows' households and, when the scheme excludes another, the persons' households in the
    rows' months) in primary-key order, then the persons in primary-key order."""
    if actor is not None and not has_capability(actor, Capability.BENEFITS_MANAGE):
        raise PermissionDenied("您的角色不能核定待遇")
    if not grants:
        return []
    errors: list[str] = []
    monthly = scheme.is_monthly
    person_ids = [g.person.pk for g in grants]
    lock_households(
        household_ids=[g.household.pk for g in grants if g.household is not None],
        person_ids=person_ids if scheme.excludes.exists() else [],
        first=min(g.start_month for g in grants),
        last=max(g.start_month for g in grants),
    )
    persons = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk")}
    regions = Region.objects.in_bulk({p.region_id for p in persons.values()})
    in_scope: dict[int, bool] = {}
    seen: dict[int, int] = {}
    seen_households: dict[int, int] = {}
    rows: list[tuple[Grant, Person, Month | None]] = []
    for number, grant in enumerate(grants, start=1):
        person = persons[grant.person.pk]
        end = grant.end_month if monthly else grant.start_month
        rows.append((grant, person, end))
        if actor is not None:
            if person.region_id not in in_scope:
                in_scope[person.region_id] = region_in_scope(actor, regions[person.region_id])
            if not in_scope[person.region_id]:
                errors.append(f"第{number}行：该人员不在您的管辖范围内")
        if scheme.unit == Scheme.Unit.HOUSEHOLD and grant.household is None:
            errors.append(f"第{number}行：“{scheme.name}”按户发放，请指定家庭户")
        if person.death_date and Month.of(person.death_date) < grant.start_month:
            errors.append(f"第{number}行：{person.name}已于{person.death_date:%Y-%m-%d}死亡")
        if end is not None and end < grant.start_month:
            errors.append(f"第{number}行：终止月份不能早于起始月份")
        if not monthly and grant.fixed_amount is None and scheme.kind == Scheme.Kind.REIMBURSEMENT:
            errors.append(f"第{number}行：报销金额须按单核定")
        if monthly and person.pk in seen:
            errors.append(f"第{number}行：{person.name}与第{seen[person.pk]}行重复")
        seen.setdefault(person.pk, number)
        if monthly and grant.household is not None:
            if grant.household.pk in seen_households:
                errors.append(f"第{number}行：家庭户与第{seen_households[grant.household.pk]}行重复")
            seen_households.setdefault(grant.household.pk, number)
    errors += _clashes(scheme, rows)
    if errors:
        raise ValidationError({"grants": errors})
    try:
        with transaction.atomic():
            created_ids = insert_values(
                Entitlement,
                [
                    {
                        "scheme_id": scheme.pk,
                        "person_id": person.pk,
                        "household_id": grant.household.pk if grant.household else None,
                        "region_id": grant.household.region_id if grant.household else person.region_id,
                        "start_month": grant.start_month.first_day,
                        "end_month": end.first_day if end else None,
                        "status": Entitlement.Status.ACTIVE,
                        "assessed_income": quantize_money(grant.assessed_income),
                        "fixed_amount": grant.fixed_amount,
                        "monthly_amount": Decimal("0"),
                        "trace": {},
                        "recurring": monthly,
                    }
                    for grant, person, end in rows
                ],
            )
    except IntegrityError:  # a concurrent grant won: one open entitlement per person / household
        errors = _clashes(scheme, rows)
        if errors:
            raise ValidationError({"grants": errors}) from None
        raise
    _audit(
        actor,
        "grant",
        [
            (
                pk,
                f"{scheme.name}：{display_name(person)}",
                {
                    "scheme": scheme.code,
                    "person": display_name(person),
                    "from": str(grant.start_month),
                    "income": str(grant.assessed_income),
                    "fixed_amount": None if grant.fixed_amount is None else str(grant.fixed_amount),
                    "batch": len(rows),
                },
            )
            for pk, (grant, person, _end) in zip(created_ids, rows, strict=True)
        ],
        Entitlement,
    )
    earliest = min(grant.start_month for grant, _p, _e in rows)
    recalculate(Entitlement.objects.filter(pk__in=created_ids), from_month=earliest, reason=reason)
    found = Entitlement.objects.in_bulk(created_ids)
    return [found[pk] for pk in created_ids]


def _clashes(scheme: Scheme, rows: list[tuple[Grant, Person, Month | None]]) -> list[str]:
    """Rows whose person — or household, for a household scheme — already receives this scheme,
    or who hold an excluded one in overlapping months (`exclusions`: themselves, through their
    household, or through a member of the household). A fixed number of queries for the batch."""
    person_ids = [person.pk for _g, person, _e in rows]
    errors: list[str] = []
    if scheme.is_monthly:
        open_ = Entitlement.objects.filter(scheme=scheme, status__in=OPEN, recurring=True)
        already = set(open_.filter(person_id__in=person_ids).values_list("person_id", flat=True))
        household_ids = {g.household.pk for g, _p, _e in rows if g.household is not None}
        taken = (
            set(open_.filter(household_id__in=household_ids).values_list("household_id", flat=True))
            if household_ids
            else set()
        )
        for number, (grant, person, _end) in enumerate(rows, start=1):
            if grant.household is not None and grant.household.pk in taken:
                errors.append(f"第{number}行：该家庭已在享受“{scheme.name}”")
            elif person.pk in already:
                errors.append(f"第{number}行：{person.name}已在享受“{scheme.name}”")
    problems = exclusion_clashes(
        scheme,
        [
            Claim(
                person_id=person.pk,
                person_name=person.name,
                start=grant.start_month,
                end=end,
                household_id=grant.household.pk if grant.household is not None else None,
            )
            for grant, person, end in rows
        ],
    )
    errors += [f"第{index + 1}行：{message}" for index, message in sorted(problems.items())]
    return errors


@transaction.atomic
def end_entitlements(entitlements, *, actor, last_month: Month, reason: str) -> int:
    """Stop paying each of `entitlements` (a queryset) after `last_month`, as `end_entitlement` does."""
    if actor is not None and not has_capability(actor, Capability.BENEFITS_MANAGE):
        raise PermissionDenied("您的角色不能终止待遇")
    rows = list(entitlements.select_for_update().select_related("person", "scheme").order_by("pk"))
    errors = [
        f"{e.person.name}（{e.scheme.name}）：终止月份不能早于起始月份"
        for e in rows
        if last_month < Month.of(e.start_month)
    ]
    if errors:
        raise ValidationError({"end_month": errors})
    ids = [e.pk for e in rows]
    Entitlement.objects.filter(pk__in=ids).update(
        end_month=last_month.first_day,
        status=Entitlement.Status.ENDED,
        end_reason=reason[:100],
        updated_at=timezone.now(),
    )
    _audit(
        actor,
        "end_entitlement",
        [(e.pk, str(e), {"last_month": str(last_month), "reason": reason}) for e in rows],
        Entitlement,
    )
    recalculate(Entitlement.objects.filter(pk__in=ids), from_month=last_month + 1, reason=reason)
    return len(ids)


@dataclass(frozen=True)
class Account:
    person: Person
    bank_name: str
    account_name: str
    account_number: str


@transaction.atomic
def set_bank_accounts(*, actor, accounts: Sequence[Account]) -> int:
    """Record the accounts of persons who have none yet (one insert); a person who already has one
    is corrected through `set_bank_account`. The checks are `set_bank_account`'s, per row."""
    if actor is not None and not has_capability(actor, Capability.BENEFITS_MANAGE):
        raise PermissionDenied("您的角色不能维护银行账户")
    errors: list[str] = []
    rows = []
    for number, account in enumerate(accounts, start=1):
        digits = (account.account_number or "").replace(" ", "")
        if not (digits.isdigit() and 12 <= len(digits) <= 30):
            errors.append(f"第{number}行：银行账号应为12至30位数字")
        if not (account.account_name or "").strip():
            errors.append(f"第{number}行：请填写户名")
        if not (account.bank_name or "").strip():
            errors.append(f"第{number}行：请填写开户银行")
        rows.append((account, digits))
    if errors:
        raise ValidationError({"accounts": errors})
    have = set(
        BankAccount.objects.filter(person_id__in=[a.person.pk for a in accounts]).values_list(
            "person_id", flat=True
        )
    )
    new = {}
    for account, digits in rows:
        if account.person.pk in have:
            set_bank_account(
                actor=actor,
                person=account.person,
                bank_name=account.bank_name,
                account_name=account.account_name,
                account_number=digits,
            )
        else:
            new[account.person.pk] = (account, digits)
    ids = insert_values(
        BankAccount,
        [
            {
                "person_id": pk,
                "bank_name": account.bank_name.strip(),
                "account_name": account.account_name.strip(),
                "account_number": digits,
            }
            for pk, (account, digits) in new.items()
        ],
    )
    _audit(
        actor,
        "set_bank_account",
        [
            (
                pk,
                account.account_name,
                {"bank_name": account.bank_name, "account_number": mask_bank_account(digits)},
            )
            for pk, (account, digits) in zip(ids, new.values(), strict=True)
        ],
        BankAccount,
    )
    return len(rows)


def _audit(actor, action: str, items, model) -> None:
    insert_values(
        AuditLog,
        [
            {
                "actor_id": getattr(actor, "pk", None),
                "action": action,
                "object_type": model._meta.label_lower,
                "object_id": str(pk),
                "object_repr": text[:200],
                "changes": changes,
                "ip_address": request_ip.get(),
            }
            for pk, text, changes in items
        ],
    )


__all__ = ["Account", "Grant", "end_entitlements", "grant_entitlements", "set_bank_accounts"]


# --- one-off and reimbursement grants, each with its own amount and trace ---------------------
# `grant_one_offs` writes what `services.grant_entitlement` (and `reimburse_claim`) write for a
# one-off scheme — the entitlement of one month with `fixed_amount`, its one `AmountPeriod` with
# the caller's trace (e.g. the reimbursement formula and the annual cap) and an audit row — for a
# whole list with bulk inserts. `check_one_offs` does the engine's checks (capability, scope,
# death, exclusive schemes) for the list and returns the problems by position, so that an import
# can name the row. A grant for a month whose run (or a later run) is already built would get no
# regular line: `flag_late_grants` marks it so that the next run pays it as arrears.

ONE_OFF_CHUNK = 2000


@dataclass(slots=True)
class OneOffGrant:
    """One grant: who, which month (the payroll month), how much and why (the trace)."""

    person_id: int
    region_id: int
    month: Month
    amount: Decimal
    trace: dict
    household_id: int | None = None
    audit: dict | None = None  # extra audit details, e.g. {"row": 12}


def _one_off_scheme(scheme: Scheme) -> None:
    if scheme.is_monthly:
        raise ValidationError({"scheme": f"“{scheme.name}”按月发放，不能按一次性补助批量核定"})


def check_one_offs(*, actor, scheme: Scheme, grants: Sequence[OneOffGrant]) -> list[tuple[int, str, str]]:
    """What `grant_entitlement` would refuse, as (position, field, message); [] when all is well.
    Queries: one per chunk of persons, one for the actor's scope, one per chunk for exclusions."""
    if actor is not None and not has_capability(actor, Capability.BENEFITS_MANAGE):
        raise PermissionDenied("您的角色不能核定待遇")
    _one_off_scheme(scheme)
    person_ids = sorted({g.person_id for g in grants})
    persons: dict[int, tuple] = {}
    for start in range(0, len(person_ids), ONE_OFF_CHUNK):
        chunk = person_ids[start : start + ONE_OFF_CHUNK]
        for pk, name, died in Person.objects.filter(pk__in=chunk).values_list("id", "name", "death_date"):
            persons[pk] = (name, died)
    allowed = _regions_in_scope(actor, {g.region_id for g in grants})
    excluded = _excluded(scheme, person_ids)
    problems: list[tuple[int, str, str]] = []
    for index, grant in enumerate(grants):
        if grant.person_id not in persons:
            problems.append((index, "person", "人员不存在"))
            continue
        name, died = persons[grant.person_id]
        if allowed is not None and grant.region_id not in allowed:
            problems.append((index, "person", f"{name}不在您的管辖范围内"))
        if died and Month.of(died) < grant.month:
            problems.append((index, "person", f"{name}已于{died:%Y-%m-%d}死亡"))
        if grant.amount < 0:
            problems.append((index, "amount", "金额不能为负数"))
        day = grant.month.first_day
        for other, start, end in excluded.get(grant.person_id, ()):
            if start <= day and (end is None or end >= day):
                problems.append((index, "scheme", f"{name}正在享受“{other}”，与“{scheme.name}”不能同时享受"))
    return problems


def _regions_in_scope(actor, region_ids: set[int]) -> set[int] | None:
    """The given regions inside the actor's scope, or None when the scope is everything."""
    from minzheng.accounts.scoping import scope_region_ids

    if actor is None:
        return None
    ids = scope_region_ids(actor)
    if ids is None:
        return None
    return set(Region.objects.filter(pk__in=region_ids, id__in=ids).values_list("id", flat=True))


def _excluded(scheme: Scheme, person_ids: list[int]) -> dict[int, list]:
    excluded = list(scheme.excludes.all())
    out: dict[int, list] = defaultdict(list)
    for start in range(0, len(person_ids), ONE_OFF_CHUNK) if excluded else ():
        rows = Entitlement.objects.filter(
            person_id__in=person_ids[start : start + ONE_OFF_CHUNK], scheme__in=excluded, status__in=OPEN
        ).values_list("person_id", "scheme__name", "start_month", "end_month")
        for person_id, name, first, last in rows:
            out[person_id].append((name, first, last))
    return out


def grant_one_offs(
    *, actor, scheme: Scheme, grants: Sequence[OneOffGrant], names: dict[int, str] | None = None
) -> list[int]:
    """Write the grants; return the new entitlement ids in the grants' order. Runs the checks of
    `check_one_offs` unless the caller did and passes the persons' `names` (as the audit text shows
    them: `masking.display_name`, a child's masked). Call it inside the
    caller's transaction (one import = one transaction)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("grant_one_offs must run inside the caller's transaction")
    if names is None:
        problems = check_one_offs(actor=actor, scheme=scheme, grants=grants)
        if problems:
            raise ValidationError([f"第{index + 1}行：{message}" for index, _, message in problems[:50]])
        persons = Person.objects.filter(pk__in={g.person_id for g in grants})
        names = {p.pk: display_name(p) for p in persons.only("name", "birth_date", "death_date")}
    _one_off_scheme(scheme)
    ids: list[int] = []
    for start in range(0, len(grants), ONE_OFF_CHUNK):
        batch = grants[start : start + ONE_OFF_CHUNK]
        amounts = [quantize_money(g.amount) for g in batch]
        new_ids = insert_rows(
            Entitlement,
            [
                {
                    "scheme_id": scheme.pk,
                    "person_id": g.person_id,
                    "household_id": g.household_id,
                    "region_id": g.region_id,
                    "start_month": g.month.first_day,
                    "end_month": g.month.first_day,
                    "status": Entitlement.Status.ACTIVE.value,
                    "assessed_income": Decimal("0.00"),
                    "fixed_amount": amount,
                    "monthly_amount": amount,
                    "trace": g.trace,
                    "recurring": False,
                }
                for g, amount in zip(batch, amounts, strict=True)
            ],
        )
        insert_rows(
            AmountPeriod,
            [
                {
                    "entitlement_id": pk,
                    "from_month": g.month.first_day,
                    "to_month": g.month.first_day,
                    "amount": amount,
                    "trace": g.trace,
                }
                for pk, g, amount in zip(new_ids, batch, amounts, strict=True)
            ],
        )
        audit_rows(
            actor=actor,
            action="grant",
            model=Entitlement,
            ids=new_ids,
            reprs=[f"{scheme.name}：{names.get(g.person_id, '')}" for g in batch],
            changes=[
                {
                    "scheme": scheme.code,
                    "person": names.get(g.person_id, ""),
                    "from": str(g.month),
                    "income": "0",
                    "fixed_amount": str(amount),
                    **(g.audit or {}),
                }
                for g, amount in zip(batch, amounts, strict=True)
            ],
        )
        ids.extend(new_ids)
    flag_late_grants(scheme, [(pk, g.month) for pk, g in zip(ids, grants, strict=True)])
    return ids


def flag_late_grants(scheme: Scheme, items: Sequence[tuple[int, Month]]) -> int:
    """Grants of a month up to the last built run of the scheme would never get a regular line:
    flag them so that the next run pays them as arrears. One query, one update per late month."""
    from .models import PayrollRun

    if not items:
        return 0
    last_built = (
        PayrollRun.objects.filter(scheme=scheme, built_at__isnull=False)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if last_built is None:
        return 0
    late: dict[Month, list[int]] = defaultdict(list)
    for pk, month in items:
        if month.first_day <= last_built:
            late[month].append(pk)
    for month, pks in late.items():
        flag_adjustment(pks, month)
    return sum(len(pks) for pks in late.values())


def audit_rows(
    *, actor, action: str, model, ids: Sequence[int], changes: Sequence[dict], reprs: Sequence[str]
) -> None:
    """One audit row per record (as `write_audit`), bulk-inserted inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_rows must run inside the service's transaction")
    actor_id, ip, label = getattr(actor, "pk", None), request_ip.get(), model._meta.label_lower
    insert_rows(
        AuditLog,
        [
            {
                "actor_id": actor_id,
                "action": action,
                "object_type": label,
                "object_id": str(pk),
                "object_repr": text[:200],
                "changes": {key: _plain(value) for key, value in change.items()},
                "ip_address": ip,
            }
            for pk, change, text in zip(ids, changes, reprs, strict=True)
        ],
    )


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def insert_rows(model, rows: list[dict]) -> list[int]:
    """Insert rows given as {attname: value} and return their ids, in order (inside the caller's
    transaction): `core.datasets.insert_values` — COPY on PostgreSQL, one `executemany` on SQLite."""
    return insert_values(model, rows)


__all__ += [
    "OneOffGrant",
    "audit_rows",
    "check_one_offs",
    "flag_late_grants",
    "grant_one_offs",
    "insert_rows",
]
