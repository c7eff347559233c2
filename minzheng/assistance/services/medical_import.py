"""Approving many medical claims at once (the XLSX import, the demo): set-based, all or nothing.

`plan_claims` checks every row (Chinese messages with row numbers) with a fixed number of queries
per chunk of rows; `write_claims` then, under a lock on the claimants (taken in id order), reads
what each person was already reimbursed this year, computes each claim in order of visit date —
across the file and the register — with the same formula as `benefits.services.reimburse_claim`,
and writes claims, entitlements, amount periods and audit rows with bulk inserts
(`benefits.bulk`). The result is what `approve_claim` one claim at a time, in order of visit date,
would give (tested). `import_claims` is both steps; the data set calls them one after the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import visible_to
from minzheng.benefits.bulk import OneOffGrant, audit_rows, check_one_offs, grant_one_offs, insert_rows
from minzheng.benefits.calculations import Context, reimbursement
from minzheng.benefits.models import Entitlement, Scheme
from minzheng.core.datasets import choice_lookup, chunked, parse_date
from minzheng.core.masking import display_name
from minzheng.core.money import quantize_money
from minzheng.registry.idnumbers import id_facts
from minzheng.registry.models import Person

from ..models import ClaimStatus, MedicalClaim, VisitType
from .medical import MEDICAL, ClaimFacts, cap_message, clean_claim, program_scheme

CHUNK = 1000
FIELDS = {
    "id_number": "身份证号码",
    "visit_date": "就诊日期",
    "hospital": "医院",
    "visit_type": "就诊类别",
    "total_cost": "医疗总费用",
    "insurance_paid": "医保支付",
    "other_paid": "其他支付",
    "diagnosis": "诊断类别",
}
VISIT_TYPES = choice_lookup(VisitType) | {"门特": VisitType.CHRONIC, "慢性病": VisitType.CHRONIC}
AddError = Callable[[int, str, str], None]


@dataclass(slots=True)
class ClaimRow:
    """One claim as given: cells as text (from a file) or as values (from code)."""

    row: int
    id_number: str
    visit_date: date | str
    hospital: str
    visit_type: str  # stored value or Chinese label
    total_cost: Decimal | str
    insurance_paid: Decimal | str
    other_paid: Decimal | str = ""
    diagnosis: str = ""


@dataclass(slots=True)
class PlannedClaim:
    row: int
    person_id: int
    region_id: int
    name: str  # as `masking.display_name` shows it (a child's name masked)
    facts: ClaimFacts


@dataclass
class ImportOutcome:
    claims: int
    reimbursed: Decimal
    capped: int
    claim_ids: list[int]


def _as_row(item, index: int) -> ClaimRow:
    if isinstance(item, ClaimRow):
        return item
    if isinstance(item, Mapping):
        values = {key: item.get(key, "") for key in FIELDS}
        return ClaimRow(row=item.get("row") or index + 1, **values)
    raise TypeError("import_claims takes ClaimRow objects or dicts")


def _strip_label(field: str, message: str) -> str:
    label = FIELDS.get(field, "")
    for prefix in (label + "中的", label + "的", label):
        if label and message.startswith(prefix) and len(message) > len(prefix):
            return message[len(prefix) :]
    return message


def _add_all(add_error: AddError, row: int, exc: ValidationError, default: str) -> None:
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                add_error(row, field if field in FIELDS else default, message)
    else:
        for message in exc.messages:
            add_error(row, default, message)


# --- checking -------------------------------------------------------------------------------


def plan_claims(rows: Iterable, *, actor, add_error: AddError) -> list[PlannedClaim]:
    """Check every row; problems go to `add_error(row, field, message)`. Writes nothing."""
    if not has_capability(actor, Capability.BENEFITS_MANAGE):
        raise PermissionDenied("您的角色不能核准医疗救助")
    scheme = program_scheme(MEDICAL)
    today = timezone.localdate()
    planned: list[PlannedClaim] = []
    seen: dict[tuple, int] = {}
    bad = False
    for index_base, chunk in _numbered_chunks(rows):
        parsed: list[tuple[ClaimRow, str, ClaimFacts]] = []
        for offset, item in enumerate(chunk):
            row = _as_row(item, index_base + offset)
            result = _check_row(row, today, add_error)
            if result is None:
                bad = True
            else:
                parsed.append((row, *result))
        persons = {  # the name as lists and audit text show it (a child's masked: RULES.md §5)
            p.id_number: (p.pk, display_name(p), p.region_id)
            for p in visible_to(
                actor, Person.objects.filter(id_number__in={number for _, number, _ in parsed})
            ).only("id", "id_number", "name", "birth_date", "death_date", "region_id")
        }
        for row, number, facts in parsed:
            found = persons.get(number)
            if found is None:
                add_error(row.row, "id_number", "未找到该号码的人员（或不在您的管辖范围内），请先登记人员")
                bad = True
                continue
            key = (found[0], *facts.duplicate_key)
            if key in seen:
                add_error(row.row, "visit_date", f"与第{seen[key]}行重复（同一人同日同医院同类别同金额）")
                bad = True
                continue
            seen[key] = row.row
            planned.append(PlannedClaim(row.row, found[0], found[2], found[1], facts))
    bad = _check_against_register(planned, scheme, actor, add_error) or bad
    return [] if bad else planned


def _numbered_chunks(rows: Iterable):
    start = 0
    for chunk in chunked(rows, CHUNK):
        yield start, chunk
        start += len(chunk)


def _check_row(row: ClaimRow, today: date, add_error: AddError) -> tuple[str, ClaimFacts] | None:
    reported: set[str] = set()  # fields already reported: the service's message would repeat it

    def report(field: str, error: str | ValidationError) -> None:
        reported.add(field)
        if isinstance(error, ValidationError):
            _add_all(add_error, row.row, error, field)
        else:
            add_error(row.row, field, error)

    number = ""
    if not str(row.id_number or "").strip():
        report("id_number", "不能为空")
    else:
        try:
            number = id_facts(str(row.id_number)).number
        except ValidationError as exc:
            report("id_number", exc)
    visit_date = row.visit_date
    if isinstance(visit_date, str):
        try:
            visit_date = parse_date(visit_date) if visit_date.strip() else None
        except ValidationError as exc:
            report("visit_date", exc)
            visit_date = None
        if visit_date is None and "visit_date" not in reported:
            report("visit_date", "不能为空")
    text = str(row.visit_type or "").strip()
    visit_type = VISIT_TYPES.get(text, text)
    if not visit_type:
        report("visit_type", "不能为空")
    if not str(row.total_cost if row.total_cost is not None else "").strip():
        report("total_cost", "不能为空")
    try:
        facts = clean_claim(
            visit_date=visit_date,
            hospital=row.hospital,
            visit_type=visit_type,
            total_cost=row.total_cost,
            insurance_paid=row.insurance_paid,
            other_paid=row.other_paid,
            diagnosis=row.diagnosis,
            today=today,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field not in reported:
                for message in messages:
                    add_error(row.row, field, message)
        return None
    return None if reported else (number, facts)


def _check_against_register(planned: list[PlannedClaim], scheme: Scheme, actor, add_error: AddError) -> bool:
    """Standards for every region and month, death and scope (the engine's checks), and claims
    already approved. A fixed number of queries per chunk of persons."""
    if not planned:
        return False
    bad = False
    ctx = _standards(scheme, planned)
    for claim in planned:
        if ctx.standard(scheme.pk, claim.region_id, claim.facts.month) is None:
            add_error(claim.row, "visit_date", f"{claim.facts.month}没有适用的医疗救助标准，请先设定标准")
            bad = True
    grants = [OneOffGrant(c.person_id, c.region_id, c.facts.month, Decimal("0"), {}) for c in planned]
    for index, _field, message in check_one_offs(actor=actor, scheme=scheme, grants=grants):
        add_error(planned[index].row, "id_number", message)
        bad = True
    by_person: dict[int, list[PlannedClaim]] = defaultdict(list)
    for claim in planned:
        by_person[claim.person_id].append(claim)
    first = min(c.facts.visit_date for c in planned)
    last = max(c.facts.visit_date for c in planned)
    for persons in chunked(sorted(by_person), CHUNK):
        earlier = MedicalClaim.objects.filter(
            person_id__in=persons, status=ClaimStatus.APPROVED, visit_date__range=(first, last)
        ).values_list("person_id", "visit_date", "hospital", "visit_type", "total_cost")
        done = {(p, d, h, t, quantize_money(c)) for p, d, h, t, c in earlier}
        for person_id in persons:
            for claim in by_person[person_id]:
                if (person_id, *claim.facts.duplicate_key) in done:
                    add_error(claim.row, "visit_date", "该次就诊已核准报销，不能重复报销")
                    bad = True
    return bad


def _standards(scheme: Scheme, planned: list[PlannedClaim]) -> Context:
    regions = {c.region_id: c for c in planned}
    probes = [
        Entitlement(scheme=scheme, person_id=c.person_id, region_id=c.region_id, start_month=date(2000, 1, 1))
        for c in regions.values()
    ]
    return Context(probes)


# --- writing --------------------------------------------------------------------------------


def _trace(row, facts: ClaimFacts, used: Decimal) -> tuple[Decimal, dict]:
    """The amount and the trace `reimburse_claim` writes for the same claim (one formula, the engine's)."""
    amount, trace = reimbursement(row, facts.out_of_pocket, used)
    trace["note"] = facts.note
    return amount, trace


def _used_this_year(scheme: Scheme, planned: list[PlannedClaim]) -> dict[tuple[int, int], Decimal]:
    """What each claimant was already reimbursed, per year of the file (locks the claimants)."""
    person_ids = sorted({c.person_id for c in planned})
    years = {c.facts.visit_date.year for c in planned}
    used: dict[tuple[int, int], Decimal] = {}
    for chunk in chunked(person_ids, CHUNK):
        # lock order: persons by id (as approve_claim, which locks the one person)
        list(
            Person.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        rows = (
            Entitlement.objects.filter(
                scheme=scheme,
                person_id__in=chunk,
                start_month__gte=date(min(years), 1, 1),
                start_month__lte=date(max(years), 12, 1),
            )
            .annotate(year=ExtractYear("start_month"))
            .values("person_id", "year")
            .annotate(total=Sum("fixed_amount"))
        )
        for item in rows:
            # quantized: on SQLite the sum comes back as 1520 where PostgreSQL says 1520.00
            used[(item["person_id"], item["year"])] = quantize_money(item["total"] or 0)
    return used


def write_claims(planned: list[PlannedClaim], *, actor) -> ImportOutcome:
    """Compute and write checked claims (from `plan_claims`) in one transaction."""
    if not has_capability(actor, Capability.BENEFITS_MANAGE):
        raise PermissionDenied("您的角色不能核准医疗救助")
    with transaction.atomic():
        scheme = program_scheme(MEDICAL)
        ordered = sorted(planned, key=lambda c: (c.facts.visit_date, c.row))
        used = _used_this_year(scheme, ordered)
        ctx = _standards(scheme, ordered)
        grants: list[OneOffGrant] = []
        for claim in ordered:
            key = (claim.person_id, claim.facts.visit_date.year)
            before = used.get(key) or Decimal("0")  # as reimburse_claim: an empty or zero sum is "0"
            row = ctx.standard(scheme.pk, claim.region_id, claim.facts.month)
            amount, trace = _trace(row, claim.facts, before)
            used[key] = quantize_money(before + amount)
            grants.append(
                OneOffGrant(
                    claim.person_id,
                    claim.region_id,
                    claim.facts.month,
                    amount,
                    trace,
                    audit={"row": claim.row},
                )
            )
        names = {c.person_id: c.name for c in ordered}
        ids = grant_one_offs(actor=actor, scheme=scheme, grants=grants, names=names)
        actor_id = getattr(actor, "pk", None)
        claim_ids: list[int] = []
        reimbursed, capped = Decimal("0.00"), 0
        for batch in chunked(list(zip(ordered, grants, ids, strict=True)), CHUNK):
            rows = [
                {
                    "person_id": c.person_id,
                    "region_id": c.region_id,
                    "visit_date": c.facts.visit_date,
                    "hospital": c.facts.hospital,
                    "visit_type": c.facts.visit_type,
                    "diagnosis": c.facts.diagnosis,
                    "total_cost": c.facts.total_cost,
                    "insurance_paid": c.facts.insurance_paid,
                    "other_paid": c.facts.other_paid,
                    "out_of_pocket": c.facts.out_of_pocket,
                    "reimbursed": quantize_money(g.amount),
                    "capped": g.trace["capped"],
                    "cap_note": cap_message(g.trace),
                    "status": ClaimStatus.APPROVED.value,
                    "refusal_reason": "",
                    "entitlement_id": pk,
                    "created_by_id": actor_id,
                }
                for c, g, pk in batch
            ]
            new_ids = insert_rows(MedicalClaim, rows)
            audit_rows(
                actor=actor,
                action="approve_medical_claim",
                model=MedicalClaim,
                ids=new_ids,
                reprs=[f"{c.name} {c.facts.visit_date:%Y-%m-%d} {c.facts.hospital}" for c, _, _ in batch],
                changes=[
                    {
                        "row": c.row,
                        "visit_date": c.facts.visit_date,
                        "hospital": c.facts.hospital,
                        "visit_type": c.facts.visit_type,
                        "total_cost": c.facts.total_cost,
                        "out_of_pocket": c.facts.out_of_pocket,
                        "reimbursed": row["reimbursed"],
                        "capped": row["capped"],
                        "status": row["status"],
                    }
                    for (c, _, _), row in zip(batch, rows, strict=True)
                ],
            )
            claim_ids.extend(new_ids)
            reimbursed += sum((row["reimbursed"] for row in rows), Decimal("0.00"))
            capped += sum(1 for row in rows if row["capped"])
    return ImportOutcome(claims=len(claim_ids), reimbursed=reimbursed, capped=capped, claim_ids=claim_ids)


def import_claims(rows: Iterable, *, actor) -> ImportOutcome:
    """Check and approve a whole set of claims, or nothing: a ValidationError lists every problem
    as “第N行 列：消息” (N is the row given, or the position from 1)."""
    messages: list[tuple[int, int, str]] = []

    def add_error(row: int, field: str, message: str) -> None:
        label = FIELDS.get(field, "")
        text = f"第{row}行 {label}：{_strip_label(field, message)}" if label else f"第{row}行 {message}"
        messages.append((row, len(messages), text))

    with transaction.atomic():
        planned = plan_claims(rows, actor=actor, add_error=add_error)
        if messages:
            raise ValidationError([text for _, _, text in sorted(messages)])
        if not planned:
            raise ValidationError("没有要导入的报销记录")
        return write_claims(planned, actor=actor)


__all__ = [
    "ClaimRow",
    "ImportOutcome",
    "PlannedClaim",
    "import_claims",
    "plan_claims",
    "write_claims",
]
