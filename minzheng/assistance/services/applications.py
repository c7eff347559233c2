"""The application procedure (RULES.md §2), one service per step.

申请 `submit_application` → 受理 `accept_application` (or `list_missing_items`, once) →
入户调查与核对 `record_investigation` (by the district when the applicant declared a relative
working in civil affairs) → 镇街审核 `town_review` (approval opens the 7-day public notice,
`services.notices.open_notice`) → 公示 (closed by the notices services) → 区级审批
`district_decide` (approval grants the entitlement from the next month). `refuse_application`,
`return_for_investigation` and `withdraw_application` are the other moves of the table.

Every step moves the case through `workflow.engine` (role, scope, status, history and audit)
and does its own checks in the same transaction: a check that fails after the move rolls the
move back. Refusals and returns need written reasons (the workflow's `requires_opinion`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from minzheng.accounts.roles import Capability, Role, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.benefits.services import grant_entitlement
from minzheng.core.audit import write_audit
from minzheng.core.money import quantize_money
from minzheng.core.months import Month
from minzheng.registry.models import Household, Person
from minzheng.workflow.engine import start_case, transition

from ..models import (
    OPEN_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationNumberSequence,
    ApplicationStatus,
)
from ..models.children import ChildCategory
from ..programs import Program, scheme_for
from .application_rules import (
    HOUSEHOLD_PROGRAMS,
    check_eligibility,
    living_subsidy_refusal,
    load_facts,
    load_need_facts,
    program_label,
)
from .children import ensure_child_profile

S = ApplicationStatus
NUMBER_PREFIXES = {
    Program.DIBAO: "DB",
    Program.TEKUN: "TK",
    Program.LIVING_SUBSIDY: "SB",
    Program.NURSING_SUBSIDY: "HL",
    Program.ORPHAN: "GE",
    Program.UNSUPPORTED_CHILD: "WR",
    Program.CHILDREN_SUBSIDY: "KJ",
}
DOCUMENT_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


# the children's file category opened when a children's allowance is approved
CHILD_PROFILE_CATEGORIES = {
    Program.ORPHAN: ChildCategory.ORPHAN,
    Program.UNSUPPORTED_CHILD: ChildCategory.UNSUPPORTED,
    Program.CHILDREN_SUBSIDY: ChildCategory.IN_DIFFICULTY,
}


@contextmanager
def _step(application: Application) -> Iterator[None]:
    """One transaction for the move and the step's own work; on failure the caller's object is
    reloaded, so it does not keep a status that was rolled back."""
    try:
        with transaction.atomic():
            yield
    except Exception:
        if application.pk is not None:
            application.refresh_from_db()
        raise


def clean_program(program) -> str:
    try:
        return Program(str(program)).value
    except ValueError:
        raise ValidationError({"program": f"“{program}”不是可申请的救助项目"})


def clean_income(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip() or "0")
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"“{value}”不是有效金额"})
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: "金额不能为负数"})
    return quantize_money(amount)


def allocate_numbers(program: str, year: int, count: int = 1) -> list[str]:
    """`count` new numbers `DB-2018-000123` for a program and year (inside the caller's transaction)."""
    prefix = NUMBER_PREFIXES[Program(program)]
    with transaction.atomic():
        ApplicationNumberSequence.objects.get_or_create(prefix=prefix, year=year)
        ApplicationNumberSequence.objects.filter(prefix=prefix, year=year).update(last=F("last") + count)
        last = ApplicationNumberSequence.objects.get(prefix=prefix, year=year).last
    return [f"{prefix}-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def duplicate_open_message(person: Person, program: str) -> str:
    return f"{person.name}已有一件“{program_label(program)}”申请正在办理，办结前不能再次申请"


# --- 申请 -----------------------------------------------------------------------------------------


def submit_application(
    *,
    actor,
    program: str,
    person: Person,
    household: Household | None = None,
    applied_on: date,
    reason: str = "",
    declared_income: Decimal | str = Decimal("0"),
    relative_in_civil_affairs: bool = False,
    relative_note: str = "",
) -> Application:
    """Take in an application (status 已申请, deadline for acceptance set by the workflow)."""
    program = clean_program(program)
    declared_income = clean_income(declared_income, "declared_income")
    if not region_in_scope(actor, person.region):
        raise PermissionDenied("申请人的户籍不在您的管辖范围内")  # no name: the person is not the user's
    if household is not None and not region_in_scope(actor, household.region):
        raise PermissionDenied("该家庭户不在您的管辖范围内")
    if program not in HOUSEHOLD_PROGRAMS and household is None:
        household = None  # person programs: the household is only kept when given
    check_eligibility(
        program=program,
        person=person,
        household=household,
        applied_on=applied_on,
        declared_income=declared_income,
        relative_in_civil_affairs=relative_in_civil_affairs,
        relative_note=relative_note,
        today=timezone.localdate(),
        facts=load_facts([person], [household]),
    )
    with transaction.atomic():
        application = Application(
            number=allocate_numbers(program, applied_on.year)[0],
            program=program,
            person=person,
            household=household,
            region=household.region if household is not None else person.region,
            applied_on=applied_on,
            reason=(reason or "").strip(),
            declared_income=declared_income,
            relative_in_civil_affairs=bool(relative_in_civil_affairs),
            relative_note=(relative_note or "").strip() if relative_in_civil_affairs else "",
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        try:
            with transaction.atomic():
                start_case(application, actor=actor, opinion=application.reason)
        except IntegrityError:
            # the partial unique constraints one_open_application_per_person_program and
            # one_open_application_per_household_program (a concurrent intake won)
            if Application.objects.filter(person=person, program=program, status__in=OPEN_STATUSES).exists():
                raise ValidationError({"program": [duplicate_open_message(person, program)]})
            if household is not None and program in HOUSEHOLD_PROGRAMS:
                other = (
                    Application.objects.filter(household=household, program=program, status__in=OPEN_STATUSES)
                    .select_related("person")
                    .first()
                )
                if other is not None:
                    raise ValidationError(
                        {
                            "household": [
                                f"该家庭户已有一件“{program_label(program)}”申请正在办理"
                                f"（申请人{other.person.name}），办结前不能再次申请"
                            ]
                        }
                    )
            raise
    return application


# --- 受理 -----------------------------------------------------------------------------------------


def accept_application(application: Application, *, actor, opinion: str = "") -> Application:
    transition(application, S.ACCEPTED, actor=actor, opinion=opinion)
    return application


def list_missing_items(application: Application, *, actor, items, opinion: str = "") -> Application:
    """Tell the applicant, once and completely, which documents are missing (→ 待补齐材料)."""
    if isinstance(items, str):
        items = items.splitlines()
    cleaned = list(
        dict.fromkeys(item.strip(" \t-·、，,;；") for item in items if item.strip(" \t-·、，,;；"))
    )
    if not cleaned:
        raise ValidationError({"items": ["请逐项列出需补齐的材料（一次性告知）"]})
    if application.missing_items:
        raise ValidationError({"items": ["需补齐的材料已经一次性告知，不能再次要求补正"]})
    text = "\n".join(cleaned)
    opinion = (opinion or "").strip() or "请补齐以下材料：" + "；".join(cleaned)
    with _step(application):
        transition(application, S.INCOMPLETE, actor=actor, opinion=opinion)
        application.missing_items = text
        application.save(update_fields=["missing_items", "updated_at"])
    return application


# --- 入户调查与核对 ---------------------------------------------------------------------------------


def record_investigation(
    application: Application, *, actor, assessed_income, result_text: str
) -> Application:
    """Record the household investigation and 核对 result (→ 调查核对完成，待镇街审核)."""
    result_text = (result_text or "").strip()
    if not result_text:
        raise ValidationError({"result_text": ["请填写入户调查与核对结果"]})
    if assessed_income in (None, ""):
        if application.program in HOUSEHOLD_PROGRAMS:
            raise ValidationError({"assessed_income": ["请填写调查核定的家庭月收入（元）"]})
        income = None
    else:
        income = clean_income(assessed_income, "assessed_income")
    if (
        application.status == S.ACCEPTED
        and application.relative_in_civil_affairs
        and not (actor.is_superuser or actor.role == Role.DISTRICT)
    ):
        raise PermissionDenied(
            "申请人申报有近亲属在民政部门或村居工作，须由区级民政部门入户调查，"
            f"您的角色（{actor.get_role_display()}）不能记录调查结果"
        )
    with _step(application):
        transition(application, S.INVESTIGATED, actor=actor, opinion=result_text)
        application.assessed_income = income
        application.investigation = result_text
        application.investigated_by = actor
        application.save(update_fields=["assessed_income", "investigation", "investigated_by", "updated_at"])
        write_audit(
            actor=actor,
            action="record_investigation",
            obj=application,
            changes={"assessed_income": income, "result": result_text},
        )
    return application


def return_for_investigation(application: Application, *, actor, opinion: str) -> Application:
    """Send the case back to investigation (town review or district review found gaps)."""
    if application.status not in (S.INVESTIGATED, S.DISTRICT_REVIEW):
        raise ValidationError({"status": [f"当前状态“{application.get_status_display()}”不能退回重新调查"]})
    if not (opinion or "").strip():
        raise ValidationError({"opinion": ["退回重新调查须写明理由"]})
    transition(application, S.ACCEPTED, actor=actor, opinion=opinion)
    return application


# --- 审核、审批、不予批准 -------------------------------------------------------------------------


def refuse_application(application: Application, *, actor, reasons: str) -> Application:
    """不予批准 (or 不予受理) with written reasons, where the table allows a refusal."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"opinion": ["不予批准须书面写明理由"]})
    with _step(application):
        transition(application, S.REFUSED, actor=actor, opinion=reasons)
        application.decided_on = timezone.localdate()
        application.decision_reason = reasons
        application.save(update_fields=["decided_on", "decision_reason", "updated_at"])
    return application


def check_household_status(application: Application) -> None:
    """困难残疾人生活补贴 at approval: 低保 / 特困 on the application date, or a low-income household
    by the investigated income (`application_rules.living_subsidy_refusal`); refused otherwise,
    with the figures, so that the reviewer refuses the case instead (不予批准)."""
    if application.program != Program.LIVING_SUBSIDY:
        return
    person = application.person
    problem = living_subsidy_refusal(
        load_need_facts([person]), person, application.applied_on, application.assessed_income
    )
    if problem:
        raise ValidationError({"assessed_income": [problem]})


def town_review(application: Application, *, actor, approve: bool, opinion: str) -> Application:
    """镇街审核: approval starts the 7-day public notice; otherwise a written refusal. A living
    subsidy is approved only when `check_household_status` passes."""
    if not approve:
        if application.status != S.INVESTIGATED:
            raise ValidationError({"status": [f"当前状态“{application.get_status_display()}”不是待镇街审核"]})
        return refuse_application(application, actor=actor, reasons=opinion)
    from .notices import open_notice  # the notices area owns the notice itself

    with _step(application):
        transition(application, S.NOTICE, actor=actor, opinion=opinion or "审核同意，予以公示")
        check_household_status(application)  # after the move: role and scope are checked first
        open_notice(application, actor=actor)
    return application


def district_decide(
    application: Application,
    *,
    actor,
    approve: bool,
    opinion: str,
    start_month: Month | None = None,
) -> Application:
    """区级审批: approval grants the entitlement from the month after the decision (RULES.md §2);
    the district may set a later start month, never an earlier one (no back-dating). A living
    subsidy is approved only when `check_household_status` passes (checked again: a standard or a
    低保 record of the application date may have been corrected since the town's review)."""
    if application.status != S.DISTRICT_REVIEW:
        raise ValidationError({"status": [f"当前状态“{application.get_status_display()}”不是待区级审批"]})
    if not approve:
        return refuse_application(application, actor=actor, reasons=opinion)
    today = timezone.localdate()
    earliest = Month.of(today) + 1
    start = start_month or earliest
    if start < earliest:
        raise ValidationError(
            {
                "start_month": [
                    f"发放起始月份不能早于批准的次月（{earliest.year}年{earliest.month}月）："
                    "救助金自批准的次月起发放"
                ]
            }
        )
    with _step(application):
        transition(application, S.APPROVED, actor=actor, opinion=opinion or "同意")
        check_household_status(application)  # after the move: role and scope are checked first
        program = application.program
        entitlement = grant_entitlement(
            actor=actor,
            scheme=scheme_for(program),
            person=application.person,
            household=application.household if program in HOUSEHOLD_PROGRAMS else None,
            start_month=start,
            assessed_income=application.assessed_income or Decimal("0"),
        )
        first = entitlement.periods.order_by("from_month").first()
        if program in HOUSEHOLD_PROGRAMS and (first is None or Decimal(first.trace.get("base", "0")) <= 0):
            # income per person not below the standard: not eligible (分类施保 alone is not paid)
            raise ValidationError(
                {
                    "assessed_income": [
                        "核定家庭月收入已不低于保障标准×家庭人数，不符合低保条件，应作不予批准处理"
                    ]
                }
            )
        if program in CHILD_PROFILE_CATEGORIES:  # a child receiving an allowance has a children's file
            ensure_child_profile(
                actor=actor, person=application.person, category=CHILD_PROFILE_CATEGORIES[program]
            )
        application.entitlement = entitlement
        application.start_month = start.first_day
        application.decided_on = today
        application.decision_reason = (opinion or "").strip()
        application.save(
            update_fields=["entitlement", "start_month", "decided_on", "decision_reason", "updated_at"]
        )
    return application


def withdraw_application(application: Application, *, actor, opinion: str) -> Application:
    """The applicant withdraws (recorded by staff on the applicant's side, with the reason)."""
    transition(application, S.WITHDRAWN, actor=actor, opinion=opinion)
    return application


# --- 材料 -----------------------------------------------------------------------------------------


def attach_document(
    application: Application, *, actor, kind: str, file, note: str = ""
) -> ApplicationDocument:
    if not has_capability(actor, Capability.REGISTRY_CHANGE):
        raise PermissionDenied("您的角色不能上传申请材料")
    if not region_in_scope(actor, application.region):
        raise PermissionDenied("该申请不在您的管辖范围内")
    if kind not in ApplicationDocument.Kind.values:
        raise ValidationError({"kind": [f"“{kind}”不是可选的材料类型"]})
    if file is None:
        raise ValidationError({"file": ["请选择要上传的文件"]})
    name = (getattr(file, "name", "") or "").lower()
    if not name.endswith(DOCUMENT_EXTENSIONS):
        raise ValidationError({"file": ["只能上传 PDF、图片（JPG/PNG）、Word 或 Excel 文件"]})
    if (getattr(file, "size", 0) or 0) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": ["文件不能超过20MB"]})
    with transaction.atomic():
        document = ApplicationDocument(
            application=application, kind=kind, note=(note or "").strip()[:200], uploaded_by=actor
        )
        document.file.save(getattr(file, "name", "document"), file, save=False)
        document.save()
        write_audit(
            actor=actor,
            action="attach_document",
            obj=application,
            changes={"document": document.pk, "kind": kind, "file": document.file.name},
        )
    return document
