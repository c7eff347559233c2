"""Writes of the children's programs: profiles, education grants, the 18th-birthday rule with its
follow-up task (成年孤儿安置), and the 留守儿童 register with care visits.

Every service takes an explicit `actor` (None: the system, e.g. the daily command), checks the
role's capability and the region scope, and writes its audit row in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.benefits.bulk import audit_rows, end_entitlements
from minzheng.benefits.models import Entitlement
from minzheng.benefits.services import grant_entitlement
from minzheng.core.audit import write_audit
from minzheng.core.money import quantize_money
from minzheng.core.months import Month
from minzheng.core.workdays import add_working_days
from minzheng.registry.models import Person, Region

from ..models.children import (
    ADULT_AGE,
    LEFT_BEHIND_AGE_LIMIT,
    CareVisit,
    ChildCategory,
    ChildProfile,
    EducationGrant,
    FollowUpTask,
    LeftBehindChild,
    RiskLevel,
    mask_child_name,
    next_visit_due,
)
from ..programs import ORPHAN_SCHEMES, Program, scheme_for

#: Working days the town has to settle an adult orphan's placement (housing, work, 低保 or 特困
#: assessment) after the allowance ends. A procedural choice of the bureau, not a statute.
FOLLOW_UP_WORKING_DAYS = 20

PROFILE_FIELDS = ("category", "guardian", "guardian_name", "guardian_relation", "school", "notes")


def _check(actor, capability: str, region: Region | None, message: str) -> None:
    """None is the system (a scheduled command); a user needs the capability and the scope."""
    if actor is None:
        return
    if not has_capability(actor, capability):
        raise PermissionDenied(message)
    if region is not None and not region_in_scope(actor, region):
        raise PermissionDenied("该儿童不在您的管辖范围内")


def years_before(day: date, years: int) -> date:
    """The date `years` years before `day` (29 Feb → 28 Feb): anyone born on or before it has
    reached that age on `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def town_of(region: Region) -> Region:
    """The 镇街 responsible for a 村居 (a town or the district is its own)."""
    return region.parent if region.level == Region.Level.VILLAGE and region.parent_id else region


# --- profiles -------------------------------------------------------------------------------


@transaction.atomic
def register_child_profile(
    *,
    actor,
    person: Person,
    category: str,
    guardian: Person | None = None,
    guardian_name: str = "",
    guardian_relation: str = "",
    school: str = "",
    notes: str = "",
    registered_on: date | None = None,
) -> ChildProfile:
    """Open a child's profile (one per child) in the child's 村居; the child must be under 18 on
    `registered_on` (default today)."""
    _check(actor, Capability.REGISTRY_CHANGE, person.region, "您的角色不能登记儿童档案")
    if category not in ChildCategory.values:
        raise ValidationError({"category": f"儿童类别“{category}”不存在"})
    on = registered_on or timezone.localdate()
    if age_on(person.birth_date, on) >= ADULT_AGE:
        raise ValidationError(
            {"person": f"{mask_child_name(person.name)}已年满{ADULT_AGE}周岁，不能登记儿童档案"}
        )
    if person.death_date:
        raise ValidationError({"person": "该人员已死亡"})
    if ChildProfile.objects.filter(person=person).exists():
        raise ValidationError({"person": "该儿童已有档案，请在原档案中修改"})
    _check_guardian(person, guardian, guardian_name)
    profile = ChildProfile.objects.create(
        person=person,
        category=category,
        region=person.region,
        guardian=guardian,
        guardian_name=guardian_name.strip(),
        guardian_relation=guardian_relation,
        school=school.strip(),
        notes=notes.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    write_audit(
        actor=actor,
        action="register_child",
        obj=profile,
        changes={"category": category, "guardian_relation": guardian_relation, "school": school},
    )
    return profile


def _check_guardian(person: Person, guardian: Person | None, guardian_name: str) -> None:
    if guardian is None and not (guardian_name or "").strip():
        raise ValidationError({"guardian_name": "请选择监护人或填写监护人（机构）名称"})
    if guardian is not None and guardian.pk == person.pk:
        raise ValidationError({"guardian": "监护人不能是儿童本人"})


@transaction.atomic
def update_child_profile(profile: ChildProfile, *, actor, **changes) -> ChildProfile:
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"update_child_profile: unknown fields {sorted(unknown)}")
    profile = ChildProfile.objects.select_for_update().select_related("person", "region").get(pk=profile.pk)
    _check(actor, Capability.REGISTRY_CHANGE, profile.region, "您的角色不能修改儿童档案")
    if "category" in changes and changes["category"] not in ChildCategory.values:
        raise ValidationError({"category": f"儿童类别“{changes['category']}”不存在"})
    before = {name: getattr(profile, name) for name in changes}
    for name, value in changes.items():
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    _check_guardian(profile.person, profile.guardian, profile.guardian_name)
    profile.save(update_fields=[*changes, "updated_at"])
    write_audit(
        actor=actor,
        action="update_child",
        obj=profile,
        changes={
            k: {"before": str(before[k] or ""), "after": str(getattr(profile, k) or "")} for k in changes
        },
    )
    return profile


def ensure_child_profile(
    *, actor, person: Person, category: str, guardian_name: str = "", registered_on: date | None = None
) -> ChildProfile:
    """The child's profile, opened if missing (for the approval of a children's allowance)."""
    existing = ChildProfile.objects.filter(person=person).first()
    if existing is not None:
        return existing
    return register_child_profile(
        actor=actor,
        person=person,
        category=category,
        guardian_name=guardian_name or "待补录",
        registered_on=registered_on,
    )


# --- education grants -----------------------------------------------------------------------


@transaction.atomic
def grant_education_grant(
    *,
    actor,
    child: ChildProfile,
    amount: Decimal,
    school_year: int,
    reason: str,
    month: Month | None = None,
) -> EducationGrant:
    """A one-off education grant (一次性助学补贴), paid in `month` (default: this month) through the
    `children_education` scheme. One per child and school year (a database constraint)."""
    child = ChildProfile.objects.select_related("person", "region").get(pk=child.pk)
    _check(actor, Capability.BENEFITS_MANAGE, child.region, "您的角色不能核定助学补贴")
    amount = quantize_money(Decimal(amount)) if amount is not None else None
    if amount is None or amount <= 0:
        raise ValidationError({"amount": "补贴金额须大于0"})
    if not 2000 <= int(school_year) <= 2100:
        raise ValidationError({"school_year": "学年请填写起始年份，如 2018"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写发放理由"})
    month = month or Month.of(timezone.localdate())
    if age_on(child.person.birth_date, month.first_day) >= ADULT_AGE:
        raise ValidationError({"child": f"该儿童在{month}已年满{ADULT_AGE}周岁"})
    if EducationGrant.objects.filter(child=child, school_year=school_year).exists():
        raise ValidationError(
            {"school_year": f"该儿童{school_year}—{school_year + 1}学年已发放一次性助学补贴"}
        )
    entitlement = grant_entitlement(
        actor=actor,
        scheme=scheme_for("children_education"),
        person=child.person,
        start_month=month,
        fixed_amount=amount,
    )
    try:
        with transaction.atomic():
            grant = EducationGrant.objects.create(
                child=child,
                school_year=school_year,
                amount=amount,
                reason=reason.strip(),
                region=child.region,
                entitlement=entitlement,
                granted_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:  # a concurrent grant for the same year won the race
        raise ValidationError(
            {"school_year": f"该儿童{school_year}—{school_year + 1}学年已发放一次性助学补贴"}
        )
    write_audit(
        actor=actor,
        action="grant_education",
        obj=grant,
        changes={"school_year": school_year, "amount": amount, "month": str(month), "reason": reason},
    )
    return grant


# --- the 18th birthday ----------------------------------------------------------------------


#: Monthly allowances that stop after the month of the 18th birthday; the orphan schemes also
#: open one 成年孤儿安置 task for the town (困境儿童生活补贴 needs no follow-up).
AGE_OUT_SCHEMES = (*ORPHAN_SCHEMES, Program.CHILDREN_SUBSIDY.value)


@transaction.atomic
def age_out_children(*, today: date | None = None, actor=None) -> int:
    """End the orphan, unsupported-child and 困境儿童 allowances after the month of the 18th
    birthday, and open one 成年孤儿安置 task per orphan for the town. Idempotent; returns the number
    of allowances ended.

    Set-based: one locked query selects every open allowance of a child who has turned 18 by
    `today`; they are ended with `benefits.bulk.end_entitlements`, one call per last month (one
    recalculation each), and the tasks are bulk-inserted with their audit rows.
    """
    today = today or timezone.localdate()
    due = (
        Entitlement.objects.filter(
            scheme__code__in=AGE_OUT_SCHEMES,
            status__in=[Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED],
            person__birth_date__lte=years_before(today, ADULT_AGE),
        )
        .select_related("person", "scheme", "region", "region__parent")
        .select_for_update(of=("self",))  # a second run waits, then finds them ended
        .order_by("pk")
    )
    by_month: dict[Month, list[int]] = defaultdict(list)
    orphans: dict[int, Entitlement] = {}
    for entitlement in due:
        birth = entitlement.person.birth_date
        birthday_month = Month(birth.year + ADULT_AGE, birth.month)
        if entitlement.end_month and Month.of(entitlement.end_month) <= birthday_month:
            continue  # already ends by then
        by_month[max(birthday_month, Month.of(entitlement.start_month))].append(entitlement.pk)
        if entitlement.scheme.code in ORPHAN_SCHEMES:
            orphans.setdefault(entitlement.person_id, entitlement)
    ended = 0
    for last, ids in sorted(by_month.items()):
        ended += end_entitlements(
            Entitlement.objects.filter(pk__in=ids),
            actor=actor,
            last_month=last,
            reason=f"年满{ADULT_AGE}周岁",
        )
    _open_adult_tasks(list(orphans.values()), today=today, actor=actor)
    return ended


def _open_adult_tasks(entitlements: list[Entitlement], *, today: date, actor) -> list[FollowUpTask]:
    """One 成年孤儿安置 task per person (none when the person already has one), audited."""
    if not entitlements:
        return []
    kind = FollowUpTask.Kind.ADULT_ORPHAN
    has_task = set(
        FollowUpTask.objects.filter(kind=kind, person_id__in=[e.person_id for e in entitlements]).values_list(
            "person_id", flat=True
        )
    )
    due_on = add_working_days(today, FOLLOW_UP_WORKING_DAYS)
    tasks = FollowUpTask.objects.bulk_create(
        [
            FollowUpTask(
                kind=kind,
                person_id=e.person_id,
                title=f"成年孤儿安置：{mask_child_name(e.person.name)}（{e.scheme.name}已于"
                f"{e.person.birth_date.year + ADULT_AGE}年{e.person.birth_date.month}月后停发）",
                region=town_of(e.region),
                entitlement=e,
                due_on=due_on,
            )
            for e in entitlements
            if e.person_id not in has_task
        ]
    )
    if tasks:
        audit_rows(
            actor=actor,
            action="open_follow_up",
            model=FollowUpTask,
            ids=[task.pk for task in tasks],
            reprs=[task.title for task in tasks],
            changes=[
                {"kind": task.kind, "entitlement": task.entitlement_id, "due_on": task.due_on}
                for task in tasks
            ],
        )
    return tasks


@transaction.atomic
def complete_follow_up(task: FollowUpTask, *, actor, outcome: str) -> FollowUpTask:
    """Close a follow-up task with what was done (compare-and-set: done once)."""
    _check(actor, Capability.REGISTRY_CHANGE, task.region, "您的角色不能办理跟进事项")
    if not (outcome or "").strip():
        raise ValidationError({"outcome": "请填写办理结果（安置去向、落实的救助等）"})
    now = timezone.now()
    updated = FollowUpTask.objects.filter(pk=task.pk, status=FollowUpTask.Status.OPEN).update(
        status=FollowUpTask.Status.DONE,
        outcome=outcome.strip(),
        done_by=actor if getattr(actor, "pk", None) else None,
        done_at=now,
        updated_at=now,
    )
    if not updated:
        raise ValidationError({"status": "该事项已办结"})
    task.refresh_from_db()
    write_audit(actor=actor, action="complete_follow_up", obj=task, changes={"outcome": outcome})
    return task


# --- 留守儿童 register ------------------------------------------------------------------------


@transaction.atomic
def register_left_behind(
    *,
    actor,
    person: Person,
    parents_away: str,
    parents_whereabouts: str,
    guardian_name: str,
    guardian_relation: str,
    risk_level: str,
    guardian_phone: str = "",
    registered_on: date | None = None,
) -> LeftBehindChild:
    """Enter a child in the 留守儿童 register; the first visit is due one interval later."""
    _check(actor, Capability.REGISTRY_CHANGE, person.region, "您的角色不能登记留守儿童")
    registered_on = registered_on or timezone.localdate()
    if registered_on > timezone.localdate():
        raise ValidationError({"registered_on": "登记日期不能晚于今天"})
    if age_on(person.birth_date, registered_on) >= LEFT_BEHIND_AGE_LIMIT:
        raise ValidationError({"person": f"留守儿童须未满{LEFT_BEHIND_AGE_LIMIT}周岁"})
    if person.death_date:
        raise ValidationError({"person": "该人员已死亡"})
    if parents_away not in LeftBehindChild.ParentsAway.values:
        raise ValidationError({"parents_away": "请选择留守情形"})
    if risk_level not in RiskLevel.values:
        raise ValidationError({"risk_level": "请选择风险等级"})
    if not (parents_whereabouts or "").strip():
        raise ValidationError({"parents_whereabouts": "请填写父母务工去向"})
    if not (guardian_name or "").strip():
        raise ValidationError({"guardian_name": "请填写委托照护人"})
    if LeftBehindChild.objects.filter(person=person, status=LeftBehindChild.Status.ACTIVE).exists():
        raise ValidationError({"person": "该儿童已在留守儿童名册中"})
    record = LeftBehindChild.objects.create(
        person=person,
        region=person.region,
        parents_away=parents_away,
        parents_whereabouts=parents_whereabouts.strip(),
        guardian_name=guardian_name.strip(),
        guardian_relation=guardian_relation,
        guardian_phone=(guardian_phone or "").strip(),
        risk_level=risk_level,
        registered_on=registered_on,
        next_visit_due=next_visit_due(registered_on, risk_level),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    write_audit(
        actor=actor,
        action="register_left_behind",
        obj=record,
        changes={"parents_away": parents_away, "risk_level": risk_level, "registered_on": registered_on},
    )
    return record


@transaction.atomic
def record_care_visit(
    record: LeftBehindChild,
    *,
    actor,
    visited_on: date,
    visitor_name: str,
    findings: str,
    risk_level: str,
) -> CareVisit:
    """Record a care visit: the assessed risk level becomes the child's, and the next visit is
    due one interval of that level after the visit."""
    record = LeftBehindChild.objects.select_for_update().select_related("region").get(pk=record.pk)
    _check(actor, Capability.REGISTRY_CHANGE, record.region, "您的角色不能录入走访记录")
    if record.status != LeftBehindChild.Status.ACTIVE:
        raise ValidationError({"record": "该儿童已销册，不能再录入走访"})
    if visited_on is None or visited_on > timezone.localdate():
        raise ValidationError({"visited_on": "走访日期不能晚于今天"})
    if visited_on < record.registered_on:
        raise ValidationError({"visited_on": f"走访日期不能早于登记日期（{record.registered_on:%Y-%m-%d}）"})
    if record.last_visit_on and visited_on < record.last_visit_on:
        raise ValidationError(
            {"visited_on": f"走访日期不能早于最近一次走访（{record.last_visit_on:%Y-%m-%d}）"}
        )
    if risk_level not in RiskLevel.values:
        raise ValidationError({"risk_level": "请选择评估风险等级"})
    if not (findings or "").strip():
        raise ValidationError({"findings": "请填写走访情况"})
    if not (visitor_name or "").strip():
        raise ValidationError({"visitor_name": "请填写走访人"})
    visit = CareVisit.objects.create(
        record=record,
        visited_on=visited_on,
        visitor=actor if getattr(actor, "pk", None) else None,
        visitor_name=visitor_name.strip(),
        findings=findings.strip(),
        previous_risk_level=record.risk_level,
        risk_level=risk_level,
    )
    record.risk_level = risk_level
    record.last_visit_on = visited_on
    record.next_visit_due = next_visit_due(visited_on, risk_level)
    record.save(update_fields=["risk_level", "last_visit_on", "next_visit_due", "updated_at"])
    write_audit(
        actor=actor,
        action="care_visit",
        obj=record,
        changes={
            "visited_on": visited_on,
            "risk_level": {"before": visit.previous_risk_level, "after": risk_level},
            "next_visit_due": record.next_visit_due,
        },
    )
    return visit


@transaction.atomic
def close_left_behind(
    record: LeftBehindChild, *, actor, reason: str, note: str = "", closed_on: date | None = None
) -> LeftBehindChild:
    """Take a child off the register (parents returned, moved away, turned 16 …)."""
    _check(actor, Capability.REGISTRY_CHANGE, record.region, "您的角色不能办理留守儿童销册")
    if reason not in LeftBehindChild.CloseReason.values:
        raise ValidationError({"close_reason": "请选择销册原因"})
    if reason == LeftBehindChild.CloseReason.OTHER and not (note or "").strip():
        raise ValidationError({"close_note": "原因为“其他”时请填写销册说明"})
    closed_on = closed_on or timezone.localdate()
    updated = LeftBehindChild.objects.filter(pk=record.pk, status=LeftBehindChild.Status.ACTIVE).update(
        status=LeftBehindChild.Status.CLOSED,
        closed_on=closed_on,
        close_reason=reason,
        close_note=(note or "").strip()[:200],
        updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError({"status": "该儿童已销册"})
    record.refresh_from_db()
    write_audit(actor=actor, action="close_left_behind", obj=record, changes={"reason": reason, "note": note})
    return record


@transaction.atomic
def close_aged_left_behind(*, today: date | None = None, actor=None) -> int:
    """Close, in one statement, every active entry of a child who has turned 16 by `today`."""
    today = today or timezone.localdate()
    due = LeftBehindChild.objects.filter(
        status=LeftBehindChild.Status.ACTIVE,
        person__birth_date__lte=years_before(today, LEFT_BEHIND_AGE_LIMIT),
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    LeftBehindChild.objects.filter(pk__in=ids, status=LeftBehindChild.Status.ACTIVE).update(
        status=LeftBehindChild.Status.CLOSED,
        closed_on=today,
        close_reason=LeftBehindChild.CloseReason.AGED_OUT,
        updated_at=timezone.now(),
    )
    for record in LeftBehindChild.objects.filter(pk__in=ids).select_related("person"):
        write_audit(
            actor=actor,
            action="close_left_behind",
            obj=record,
            changes={"reason": LeftBehindChild.CloseReason.AGED_OUT, "closed_on": today},
        )
    return len(ids)
