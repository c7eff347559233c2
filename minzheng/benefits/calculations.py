"""What an entitlement owes, month by month, and why (the trace).

`schedules(entitlements)` loads everything the calculation needs for a batch in a fixed number
of queries (standards, regions, household members), then computes each entitlement's schedule:
a list of `Segment`s, each a run of months with one amount and one trace. A new segment starts
wherever an input changes: a standard starts or ends, a member joins or leaves, a member turns
18 or 60 (supplement categories), or a person reaches an age band.

Rounding: every amount is rounded once, at the end, to fen, half-up (core.money.quantize_money).
Ages are counted at the end of the month: a person who turns 80 in March is 80 for March.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from minzheng.core.masking import ADULT_AGE, mask_child_name
from minzheng.core.money import quantize_money
from minzheng.core.months import Month
from minzheng.registry.models import Membership, Region

from .models import Entitlement, Scheme, Standard

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
CATEGORY_LABELS = {
    "elderly": "老年人（60周岁及以上）",
    "minor": "未成年人（未满18周岁）",
    "disabled": "持证残疾人",
    "severely_disabled": "重度残疾人（一、二级）",
}
CATEGORY_AGE_LIMITS = {"elderly": 60, "minor": 18}


@dataclass
class Segment:
    start: Month
    end: Month | None
    amount: Decimal
    trace: dict = field(default_factory=dict)


@dataclass
class MemberFacts:
    person_id: int
    name: str
    birth_date: date
    disability_grade: int | None
    death_date: date | None
    joined: Month
    left: Month | None  # last month in the household

    def present_in(self, month: Month) -> bool:
        if month < self.joined or (self.left is not None and month > self.left):
            return False
        return self.death_date is None or Month.of(self.death_date) >= month


def age_at_month_end(birth: date, month: Month) -> int:
    end = month.last_day
    return end.year - birth.year - ((end.month, end.day) < (birth.month, birth.day))


def month_reaching_age(birth: date, age: int) -> Month:
    return Month(birth.year + age, birth.month)


class Context:
    """Everything a batch of entitlements needs, loaded once."""

    def __init__(self, entitlements: list[Entitlement]):
        scheme_ids = {e.scheme_id for e in entitlements}
        schemes = {s.pk: s for s in Scheme.objects.filter(pk__in=scheme_ids)}
        base_ids = {s.base_scheme_id for s in schemes.values() if s.base_scheme_id}
        schemes.update({s.pk: s for s in Scheme.objects.filter(pk__in=base_ids - set(schemes))})
        self.schemes = schemes
        self.standards: dict[int, list[Standard]] = defaultdict(list)
        for row in (
            Standard.objects.filter(scheme_id__in=schemes).select_related("region").order_by("valid_from")
        ):
            self.standards[row.scheme_id].append(row)
        region_ids = {e.region_id for e in entitlements}
        self.ancestors: dict[int, list[int]] = {
            pk: [int(part) for part in path.strip("/").split("/")]
            for pk, path in Region.objects.filter(pk__in=region_ids).values_list("id", "path")
        }
        self.depth = {}
        for chain in self.ancestors.values():
            for depth, pk in enumerate(chain):
                self.depth[pk] = depth
        self.members: dict[int, list[MemberFacts]] = defaultdict(list)
        household_ids = {e.household_id for e in entitlements if e.household_id}
        rows = Membership.objects.filter(household_id__in=household_ids).select_related("person")
        for m in rows:
            p = m.person
            self.members[m.household_id].append(
                MemberFacts(
                    p.pk,
                    p.name,
                    p.birth_date,
                    p.disability_grade,
                    p.death_date,
                    Month.of(m.valid_from),
                    Month.of(m.valid_to) if m.valid_to else None,
                )
            )
        person_ids = {e.person_id for e in entitlements}
        from minzheng.registry.models import Person

        self.birth = dict(Person.objects.filter(pk__in=person_ids).values_list("id", "birth_date"))

    def standard(self, scheme_id: int, region_id: int, month: Month) -> Standard | None:
        """The most specific standard row valid in `month` at the region or one of its ancestors."""
        chain = set(self.ancestors.get(region_id, []))
        best = None
        for row in self.standards.get(scheme_id, ()):
            if row.region_id not in chain or Month.of(row.valid_from) > month:
                continue
            if row.valid_to and Month.of(row.valid_to) < month:
                continue
            if best is None or self.depth.get(row.region_id, 0) > self.depth.get(best.region_id, 0):
                best = row
        return best

    def standard_boundaries(self, scheme_id: int) -> set[Month]:
        out: set[Month] = set()
        for row in self.standards.get(scheme_id, ()):
            out.add(Month.of(row.valid_from))
            if row.valid_to:
                out.add(Month.of(row.valid_to) + 1)
        return out


def standard_in_force(scheme: Scheme, region_id: int, month: Month) -> Standard | None:
    """The standard row of `scheme` in force in `month` for a region: the most specific row on
    the region's path, as payroll applies it."""
    probe = Entitlement(scheme=scheme, region_id=region_id, start_month=month.first_day)
    return Context([probe]).standard(scheme.pk, region_id, month)


def _standard_trace(row: Standard) -> dict:
    return {
        "id": row.pk,
        "region": row.region.name,
        "from": f"{row.valid_from:%Y-%m}",
        "to": f"{row.valid_to:%Y-%m}" if row.valid_to else None,
        "amount": str(row.amount) if row.amount is not None else None,
        "multiple": str(row.multiple) if row.multiple is not None else None,
        "document": row.document,
    }


def compute_month(entitlement: Entitlement, month: Month, ctx: Context) -> tuple[Decimal, dict]:
    scheme = ctx.schemes[entitlement.scheme_id]
    kind = scheme.kind
    row = ctx.standard(scheme.pk, entitlement.region_id, month)
    if kind in (Scheme.Kind.ONE_OFF, Scheme.Kind.REIMBURSEMENT) and entitlement.fixed_amount is not None:
        amount = quantize_money(entitlement.fixed_amount)
        return amount, {"kind": kind, "amount": str(amount), "formula": f"核定金额 {amount}"}
    if row is None:
        return ZERO, {"kind": kind, "amount": "0.00", "formula": "该月份没有适用的标准"}
    trace: dict = {"kind": kind, "standard": _standard_trace(row)}
    if kind in (Scheme.Kind.FIXED, Scheme.Kind.ONE_OFF):
        amount = quantize_money(row.amount or ZERO)
        trace["formula"] = f"标准 {amount}"
    elif kind == Scheme.Kind.MULTIPLE:
        base = ctx.standard(scheme.base_scheme_id, entitlement.region_id, month)
        if base is None or row.multiple is None:
            return ZERO, {**trace, "amount": "0.00", "formula": "基准项目该月份没有适用的标准"}
        amount = quantize_money(base.amount * row.multiple)
        trace["base_standard"] = _standard_trace(base)
        trace["formula"] = f"{base.amount} × {row.multiple} = {amount}"
    elif kind == Scheme.Kind.AGE_BAND:
        age = age_at_month_end(ctx.birth[entitlement.person_id], month)
        band = next((b for b in row.params.get("bands", []) if b["min"] <= age <= b.get("max", 200)), None)
        amount = quantize_money(band["amount"]) if band else ZERO
        trace["age"] = age
        trace["band"] = band
        trace["formula"] = (
            f"{age}岁，属{band['min']}–{band.get('max', '')}岁段：{amount}"
            if band
            else f"{age}岁，不在任何年龄段"
        )
    elif kind == Scheme.Kind.TOP_UP:
        amount, extra = _top_up(entitlement, month, row, ctx)
        trace.update(extra)
    else:
        amount = ZERO
        trace["formula"] = "报销金额按单核定"
    trace["amount"] = str(amount)
    return amount, trace


def _top_up(entitlement: Entitlement, month: Month, row: Standard, ctx: Context) -> tuple[Decimal, dict]:
    standard = row.amount or ZERO
    present = [m for m in ctx.members.get(entitlement.household_id, []) if m.present_in(month)]
    income = entitlement.assessed_income or ZERO
    base = max(ZERO, standard * len(present) - income)
    supplements = []
    for member in present:
        best = None
        for rule in row.params.get("supplements", []):
            if not _qualifies(member, rule["category"], month):
                continue
            value = (
                standard * Decimal(rule["percent"]) / HUNDRED if "percent" in rule else Decimal(rule["fixed"])
            )
            if best is None or value > best[1]:
                best = (rule, value)
        if best:
            supplements.append(
                {
                    # the trace is shown in lists and the API: a child's name is masked for good
                    "person": mask_child_name(member.name)
                    if age_at_month_end(member.birth_date, month) < ADULT_AGE
                    else member.name,
                    "category": best[0]["category"],
                    "label": CATEGORY_LABELS.get(best[0]["category"], best[0]["category"]),
                    "rule": f"{best[0]['percent']}%" if "percent" in best[0] else f"{best[0]['fixed']}元",
                    "amount": str(quantize_money(best[1])),
                }
            )
    extra = sum((Decimal(s["amount"]) for s in supplements), ZERO)
    amount = quantize_money(base + extra)
    formula = f"max(0, {standard} × {len(present)} − {income}) = {quantize_money(base)}"
    if supplements:
        formula += " + 分类施保 " + " + ".join(s["amount"] for s in supplements) + f" = {amount}"
    return amount, {
        "members": len(present),
        "income": str(income),
        "base": str(quantize_money(base)),
        "supplements": supplements,
        "formula": formula,
    }


def _qualifies(member: MemberFacts, category: str, month: Month) -> bool:
    age = age_at_month_end(member.birth_date, month)
    if category == "elderly":
        return age >= 60
    if category == "minor":
        return age < 18
    if category == "disabled":
        return member.disability_grade is not None
    if category == "severely_disabled":
        return member.disability_grade is not None and member.disability_grade <= 2
    return False


def _boundaries(entitlement: Entitlement, ctx: Context) -> set[Month]:
    scheme = ctx.schemes[entitlement.scheme_id]
    out = ctx.standard_boundaries(scheme.pk)
    if scheme.base_scheme_id:
        out |= ctx.standard_boundaries(scheme.base_scheme_id)
    if scheme.kind == Scheme.Kind.TOP_UP:
        for member in ctx.members.get(entitlement.household_id, []):
            out.add(member.joined)
            if member.left:
                out.add(member.left + 1)
            if member.death_date:
                out.add(Month.of(member.death_date) + 1)
            for age in CATEGORY_AGE_LIMITS.values():
                out.add(month_reaching_age(member.birth_date, age))
    if scheme.kind == Scheme.Kind.AGE_BAND:
        birth = ctx.birth[entitlement.person_id]
        for rows in ctx.standards.get(scheme.pk, []):
            for band in rows.params.get("bands", []):
                out.add(month_reaching_age(birth, band["min"]))
                if "max" in band:
                    out.add(month_reaching_age(birth, band["max"] + 1))
    return out


def schedule(entitlement: Entitlement, start: Month, ctx: Context) -> list[Segment]:
    """Segments from `start` (not before the entitlement's start) to its end (or open); none for
    a revoked entitlement (nothing was ever owed)."""
    if entitlement.revoked:
        return []
    first = max(start, Month.of(entitlement.start_month))
    last = Month.of(entitlement.end_month) if entitlement.end_month else None
    if last is not None and last < first:
        return []
    cuts = sorted(b for b in _boundaries(entitlement, ctx) if b > first and (last is None or b <= last))
    starts = [first, *cuts]
    segments: list[Segment] = []
    for index, seg_start in enumerate(starts):
        seg_end = starts[index + 1] - 1 if index + 1 < len(starts) else last
        amount, trace = compute_month(entitlement, seg_start, ctx)
        if segments and segments[-1].amount == amount and _same(segments[-1].trace, trace):
            segments[-1].end = seg_end
        else:
            segments.append(Segment(seg_start, seg_end, amount, trace))
    return segments


def _same(a: dict, b: dict) -> bool:
    ignore = {"age"}
    return {k: v for k, v in a.items() if k not in ignore} == {k: v for k, v in b.items() if k not in ignore}


def describe(trace: dict) -> str:
    """The trace as one Chinese sentence for the back office."""
    if not trace:
        return "尚未计算"
    parts = []
    standard = trace.get("standard")
    if standard:
        value = standard.get("amount") or (f"倍数 {standard['multiple']}" if standard.get("multiple") else "")
        parts.append(f"适用标准：{standard['region']} {standard['from']}起 {value}（{standard['document']}）")
    base = trace.get("base_standard")
    if base:
        parts.append(f"基准标准：{base['region']} {base['amount']}（{base['document']}）")
    if "members" in trace:
        parts.append(f"家庭人口 {trace['members']} 人，核定月收入 {trace['income']} 元")
    for item in trace.get("supplements", []):
        parts.append(f"{item['person']}（{item['label']}）分类施保 {item['rule']} = {item['amount']} 元")
    if trace.get("formula"):
        parts.append(f"计算：{trace['formula']}")
    return "；".join(parts)


def reimbursement(row: Standard, out_of_pocket: Decimal, used: Decimal) -> tuple[Decimal, dict]:
    """A reimbursement claim: (out-of-pocket − deductible) × ratio, limited by what is left of the
    annual cap after `used`; returns the amount and its trace (which says when the cap cut it).
    The one formula for single claims (`services.reimburse_claim`) and bulk imports alike."""
    ratio = Decimal(str(row.params["ratio"]))
    deductible = Decimal(str(row.params.get("deductible", "0")))
    cap = Decimal(str(row.params["annual_cap"]))
    computed = quantize_money(max(Decimal("0"), out_of_pocket - deductible) * ratio)
    amount = min(computed, max(Decimal("0"), cap - used))
    capped = amount < computed
    formula = f"({out_of_pocket} − 起付线 {deductible}) × {ratio} = {computed}"
    if capped:
        formula += f"；年度封顶 {cap} 元，本年已报销 {used} 元，本次按余额 {amount} 元报销"
    return amount, {
        "kind": "reimbursement",
        "standard": {
            "id": row.pk,
            "region": row.region.name,
            "from": f"{row.valid_from:%Y-%m}",
            "to": None,
            "amount": None,
            "multiple": None,
            "document": row.document,
        },
        "out_of_pocket": str(out_of_pocket),
        "computed": str(computed),
        "capped": capped,
        "annual_cap": str(cap),
        "used_before": str(used),
        "amount": str(amount),
        "formula": formula,
    }
