"""The social-assistance programs and the benefits-engine schemes that pay them.

The engine knows no program by name; this module is where social assistance names its schemes.
`ensure_programs` creates any that are missing (idempotent) — the demo, the tests and the
`setup_programs` command call it. Standards (amounts) are data, set per region and date with
`benefits.services.set_standard`, never constants here.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from minzheng.benefits.models import Scheme
from minzheng.benefits.services import create_scheme


class Program(TextChoices):
    """Programs a household or person applies for through the full procedure (申请 → 审批)."""

    DIBAO = "dibao", _("最低生活保障")
    TEKUN = "tekun", _("特困人员救助供养")
    LIVING_SUBSIDY = "living_subsidy", _("困难残疾人生活补贴")
    NURSING_SUBSIDY = "nursing_subsidy", _("重度残疾人护理补贴")
    ORPHAN = "orphan", _("孤儿基本生活费")
    UNSUPPORTED_CHILD = "unsupported_child", _("事实无人抚养儿童基本生活补贴")
    CHILDREN_SUBSIDY = "children_subsidy", _("困境儿童生活补贴")


@dataclass(frozen=True)
class SchemeSpec:
    code: str
    name: str
    kind: str
    unit: str = Scheme.Unit.PERSON
    base: str = ""
    excludes: tuple[str, ...] = ()


SCHEMES: tuple[SchemeSpec, ...] = (
    SchemeSpec("dibao", "最低生活保障", Scheme.Kind.TOP_UP, Scheme.Unit.HOUSEHOLD),
    SchemeSpec("tekun", "特困人员救助供养", Scheme.Kind.MULTIPLE, base="dibao", excludes=("dibao",)),
    SchemeSpec("living_subsidy", "困难残疾人生活补贴", Scheme.Kind.FIXED),
    SchemeSpec("nursing_subsidy", "重度残疾人护理补贴", Scheme.Kind.FIXED),
    SchemeSpec("orphan", "孤儿基本生活费", Scheme.Kind.FIXED),
    SchemeSpec("unsupported_child", "事实无人抚养儿童基本生活补贴", Scheme.Kind.FIXED, excludes=("orphan",)),
    SchemeSpec(
        "children_subsidy",
        "困境儿童生活补贴",
        Scheme.Kind.FIXED,
        excludes=("orphan", "unsupported_child"),
    ),
    SchemeSpec("children_education", "困境儿童一次性助学补贴", Scheme.Kind.ONE_OFF),
    SchemeSpec("medical", "医疗救助", Scheme.Kind.REIMBURSEMENT),
    SchemeSpec("temporary", "临时救助", Scheme.Kind.ONE_OFF),
    SchemeSpec("disaster_relief", "受灾群众生活救助", Scheme.Kind.ONE_OFF),
)
SCHEME_CODES = tuple(spec.code for spec in SCHEMES)

# Indicator groups (FIGURES.md): which schemes each published figure adds up.
DIBAO_SCHEMES = ("dibao",)
DISABILITY_SCHEMES = ("living_subsidy", "nursing_subsidy")
CHILDREN_SCHEMES = ("children_subsidy", "children_education")
ORPHAN_SCHEMES = ("orphan", "unsupported_child")


@transaction.atomic
def ensure_programs(*, actor) -> dict[str, Scheme]:
    """Create the schemes that do not exist yet (with their base and exclusions); return all by code."""
    existing = {scheme.code: scheme for scheme in Scheme.objects.filter(code__in=SCHEME_CODES)}
    for spec in SCHEMES:
        if spec.code in existing:
            continue
        existing[spec.code] = create_scheme(
            actor=actor,
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            unit=spec.unit,
            base_scheme=existing[spec.base] if spec.base else None,
            excludes=[existing[code] for code in spec.excludes],
        )
    return existing


def scheme_for(program: str) -> Scheme:
    """The benefits scheme that pays a program (the code is the same)."""
    return Scheme.objects.get(code=str(program))
