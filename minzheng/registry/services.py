"""The only way to change the register. Each service checks scope, validates, audits, publishes."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.roles import Capability, has_capability
from minzheng.accounts.scoping import region_in_scope
from minzheng.core.audit import diff_fields, snapshot, write_audit
from minzheng.core.masking import display_name, is_minor, mask_child_name, mask_id_number, mask_name

from . import events
from .idnumbers import id_facts
from .models import Household, Membership, Person, Region
from .validation import clean_disability, clean_marital_status, clean_name, clean_phone, name_initials

PERSON_FIELDS = [
    "name",
    "phone",
    "region",
    "residence_region",
    "disability_category",
    "disability_grade",
    "disability_cert_no",
    "marital_status",
    "death_date",
]


def _require_change(actor, region: Region | None, field: str = "region") -> None:
    if not has_capability(actor, Capability.REGISTRY_CHANGE):
        raise PermissionDenied("您的角色不能修改人口户籍信息")
    if region is None:
        raise ValidationError({field: "请选择所属村居"})
    if region.level != Region.Level.VILLAGE:
        raise ValidationError({field: f"“{region.name}”不是村居，户籍应登记到村（居）委会"})
    if not region_in_scope(actor, region):
        raise PermissionDenied(f"“{region.name}”不在您的管辖范围内")


def duplicate_message(existing: Person) -> str:
    return f"身份证号码已登记：{mask_name(existing.name)}（{mask_id_number(existing.id_number)}，编号{existing.pk}）"


def register_person(
    *,
    actor,
    id_number: str,
    name: str,
    region: Region,
    phone: str = "",
    residence_region: Region | None = None,
    disability_category: str = "",
    disability_grade: int | None = None,
    disability_cert_no: str = "",
    marital_status: str = "",
    death_date: date | None = None,
) -> Person:
    try:
        facts = id_facts(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages})
    _require_change(actor, region)
    category, grade, cert = clean_disability(disability_category, disability_grade, disability_cert_no)
    person = Person(
        id_number=facts.number,
        id_tail=facts.number[-6:],
        name=clean_name(name),
        birth_date=facts.birth_date,
        sex=facts.sex,
        phone=clean_phone(phone),
        region=region,
        residence_region=residence_region,
        disability_category=category,
        disability_grade=grade,
        disability_cert_no=cert,
        marital_status=clean_marital_status(marital_status),
        death_date=death_date,
    )
    person.name_initials = name_initials(person.name)
    existing = Person.objects.filter(id_number=facts.number).first()
    if existing:
        raise ValidationError({"id_number": duplicate_message(existing)})
    try:
        with transaction.atomic():
            person.save()
            write_audit(
                actor=actor,
                action="create",
                obj=person,
                changes=_masked(snapshot(person, PERSON_FIELDS), person),
            )
    except IntegrityError:
        existing = Person.objects.filter(id_number=facts.number).first()
        if existing:
            raise ValidationError({"id_number": duplicate_message(existing)})
        raise
    return person


def _masked(values: dict, person: Person) -> dict:
    """A person's values for the audit log: no phone, and a child's name masked (the log keeps
    the person's id, which leads to the full record for a role allowed to see it)."""
    out = dict(values)
    if out.get("phone"):
        out["phone"] = "（已脱敏）"
    if out.get("name") and is_minor(person):
        out["name"] = mask_child_name(out["name"])
    return out


@transaction.atomic
def update_person(person: Person, *, actor, **changes) -> Person:
    """Change editable fields. ID number, birth date and sex are fixed by the ID number."""
    unknown = (set(changes) - set(PERSON_FIELDS)) | ({"death_date"} & set(changes))
    if unknown:
        raise ValidationError({next(iter(unknown)): "该字段不能通过此操作修改"})
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require_change(actor, person.region)
    before = snapshot(person, PERSON_FIELDS)
    if "name" in changes:
        person.name = clean_name(changes["name"])
        person.name_initials = name_initials(person.name)
    if "phone" in changes:
        person.phone = clean_phone(changes["phone"])
    if "residence_region" in changes:
        person.residence_region = changes["residence_region"]
    if "marital_status" in changes:
        person.marital_status = clean_marital_status(changes["marital_status"])
    if {"disability_category", "disability_grade", "disability_cert_no"} & set(changes):
        person.disability_category, person.disability_grade, person.disability_cert_no = clean_disability(
            changes.get("disability_category", person.disability_category),
            changes.get("disability_grade", person.disability_grade),
            changes.get("disability_cert_no", person.disability_cert_no),
        )
    old_region = person.region
    if "region" in changes and changes["region"] != person.region:
        _require_change(actor, changes["region"])
        person.region = changes["region"]
    diff = diff_fields(before, snapshot(person, PERSON_FIELDS))
    if not diff:
        return person
    person.save()
    if "phone" in diff:
        diff["phone"] = {"before": "（已脱敏）", "after": "（已脱敏）"}
    if "name" in diff and is_minor(person):
        diff["name"] = {side: mask_child_name(value) for side, value in diff["name"].items()}
    write_audit(actor=actor, action="update", obj=person, changes=diff)
    if person.region != old_region:
        events.publish(
            events.person_moved, person=person, from_region=old_region, to_region=person.region, actor=actor
        )
    return person


@transaction.atomic
def record_death(person: Person, *, actor, death_date: date) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require_change(actor, person.region)
    if death_date > timezone.localdate():
        raise ValidationError({"death_date": "死亡日期不能晚于今天"})
    if death_date < person.birth_date:
        raise ValidationError({"death_date": "死亡日期不能早于出生日期"})
    if person.death_date:
        raise ValidationError({"death_date": f"该人员已于{person.death_date:%Y-%m-%d}登记死亡"})
    person.death_date = death_date
    person.save(update_fields=["death_date", "updated_at"])
    write_audit(actor=actor, action="record_death", obj=person, changes={"death_date": death_date})
    membership = (
        Membership.objects.filter(person=person, valid_to__isnull=True).select_related("household").first()
    )
    if membership:
        _end_membership(membership, until=max(death_date, membership.valid_from), reason="死亡", actor=actor)
        events.publish(
            events.household_changed,
            household=membership.household,
            change="member_died",
            person=person,
            actor=actor,
        )
    events.publish(events.person_died, person=person, death_date=death_date, actor=actor)
    return person


def _end_membership(membership: Membership, *, until: date, reason: str, actor) -> None:
    household = Household.objects.select_for_update().get(pk=membership.household_id)
    membership.valid_to = until
    membership.end_reason = reason
    membership.save(update_fields=["valid_to", "end_reason", "updated_at"])
    if household.head_id == membership.person_id:
        household.head = None
        household.save(update_fields=["head", "updated_at"])
    write_audit(
        actor=actor,
        action="remove_member",
        obj=household,
        changes={
            "person": display_name(membership.person),
            "relation": membership.get_relation_display(),
            "reason": reason,
        },
    )


def _ensure_free(person: Person) -> None:
    current = (
        Membership.objects.filter(person=person, valid_to__isnull=True).select_related("household").first()
    )
    if current:
        raise ValidationError(
            {
                "person": f"{person.name}已是家庭户{current.household.number or current.household.pk}的成员，请先办理离户"
            }
        )
    if person.death_date:
        raise ValidationError({"person": f"{person.name}已登记死亡，不能加入家庭户"})


def create_household(
    *, actor, region: Region, head: Person, address: str = "", number: str = "", since: date | None = None
) -> Household:
    _require_change(actor, region)
    number = (number or "").strip()
    if number and Household.objects.filter(number=number).exists():
        raise ValidationError({"number": f"户号“{number}”已存在"})
    try:
        with transaction.atomic():
            head = Person.objects.select_for_update().get(pk=head.pk)
            _ensure_free(head)
            household = Household.objects.create(
                region=region, head=head, address=address.strip(), number=number
            )
            Membership.objects.create(
                household=household,
                person=head,
                relation=Membership.Relation.HEAD,
                valid_from=since or timezone.localdate(),
            )
            write_audit(
                actor=actor,
                action="create",
                obj=household,
                changes={"head": display_name(head), "region": region.name, "address": address},
            )
            events.publish(
                events.household_changed, household=household, change="created", person=head, actor=actor
            )
    except IntegrityError:
        raise ValidationError({"person": f"{head.name}已是其他家庭户的成员"})
    return household


def add_member(
    household: Household, *, actor, person: Person, relation: str, since: date | None = None
) -> Membership:
    if relation not in Membership.Relation.values:
        raise ValidationError({"relation": f"与户主关系“{relation}”不存在"})
    try:
        with transaction.atomic():
            household = Household.objects.select_for_update().get(pk=household.pk)
            _require_change(actor, household.region)
            person = Person.objects.select_for_update().get(pk=person.pk)
            _ensure_free(person)
            if relation == Membership.Relation.HEAD and household.head_id:
                raise ValidationError({"relation": "该户已有户主，请先变更户主"})
            membership = Membership.objects.create(
                household=household,
                person=person,
                relation=relation,
                valid_from=since or timezone.localdate(),
            )
            if relation == Membership.Relation.HEAD:
                household.head = person
                household.save(update_fields=["head", "updated_at"])
            write_audit(
                actor=actor,
                action="add_member",
                obj=household,
                changes={"person": display_name(person), "relation": membership.get_relation_display()},
            )
            events.publish(
                events.household_changed,
                household=household,
                change="member_added",
                person=person,
                actor=actor,
            )
    except IntegrityError:
        raise ValidationError({"person": f"{person.name}已是其他家庭户的成员"})
    return membership


@transaction.atomic
def remove_member(
    household: Household, *, actor, person: Person, until: date | None = None, reason: str = ""
) -> Membership:
    household = Household.objects.select_for_update().get(pk=household.pk)
    _require_change(actor, household.region)
    membership = Membership.objects.filter(household=household, person=person, valid_to__isnull=True).first()
    if membership is None:
        raise ValidationError({"person": f"{person.name}不是该户的现有成员"})
    until = until or timezone.localdate()
    if until < membership.valid_from:
        raise ValidationError({"until": "离户日期不能早于入户日期"})
    _end_membership(membership, until=until, reason=(reason or "离户").strip(), actor=actor)
    events.publish(
        events.household_changed, household=household, change="member_removed", person=person, actor=actor
    )
    return membership


@transaction.atomic
def move_household(household: Household, *, actor, region: Region, address: str = "") -> Household:
    """Move a household's registered residence; its current members move with it."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    _require_change(actor, household.region)
    _require_change(actor, region)
    before = snapshot(household, ["region", "address"])
    household.region = region
    household.address = address.strip() or household.address
    household.save(update_fields=["region", "address", "updated_at"])
    write_audit(
        actor=actor,
        action="move",
        obj=household,
        changes=diff_fields(before, snapshot(household, ["region", "address"])),
    )
    members = list(
        Person.objects.filter(memberships__household=household, memberships__valid_to__isnull=True).exclude(
            region=region
        )
    )
    Person.objects.filter(pk__in=[p.pk for p in members]).update(region=region, updated_at=timezone.now())
    for person in members:
        write_audit(
            actor=actor,
            action="move",
            obj=person,
            changes={"region": {"before": str(person.region), "after": str(region)}},
        )
        events.publish(
            events.person_moved, person=person, from_region=person.region, to_region=region, actor=actor
        )
    events.publish(events.household_changed, household=household, change="moved", person=None, actor=actor)
    return household


@transaction.atomic
def create_region(
    *, actor, parent: Region, level: str, code: str, name: str, valid_from: date, is_generated: bool = False
) -> Region:
    """Add a node under `parent` (a 镇街 under the district, a 村居 under a 镇街)."""
    if not (actor is None or has_capability(actor, Capability.ACCOUNTS_MANAGE)):
        raise PermissionDenied("只有系统管理员可以维护行政区划")
    expected = {Region.Level.TOWN: Region.Level.DISTRICT, Region.Level.VILLAGE: Region.Level.TOWN}.get(level)
    if expected is None or parent.level != expected:
        raise ValidationError({"parent": f"“{parent.name}”下不能设立该层级的区划"})
    if not (
        code.isdigit() and len(code) == 12 and code.startswith(parent.code[: 9 if level == "village" else 6])
    ):
        raise ValidationError({"code": f"区划代码“{code}”应为12位数字，且以上级代码开头"})
    if Region.objects.filter(code=code, valid_to__isnull=True).exists():
        raise ValidationError({"code": f"区划代码“{code}”已在使用"})
    region = Region.objects.create(
        parent=parent,
        level=level,
        code=code,
        name=name.strip(),
        valid_from=valid_from,
        is_generated=is_generated,
    )
    region.path = f"{parent.path}{region.pk}/"
    region.save(update_fields=["path"])
    if actor is not None:
        write_audit(actor=actor, action="create", obj=region, changes={"code": code, "name": name})
    return region


@transaction.atomic
def update_region(region: Region, *, actor, **changes) -> Region:
    """Rename a node, or end it (valid_to) and name its successor, as when 沙湾镇 became 沙湾街道."""
    if not has_capability(actor, Capability.ACCOUNTS_MANAGE):
        raise PermissionDenied("只有系统管理员可以维护行政区划")
    allowed = {"name", "valid_to", "successor"}
    if set(changes) - allowed:
        raise ValidationError(
            {next(iter(set(changes) - allowed)): "该字段不能修改；区划代码变更请新设区划并指定继承单位"}
        )
    region = Region.objects.select_for_update().get(pk=region.pk)
    before = snapshot(region, list(allowed))
    for key, value in changes.items():
        setattr(region, key, value)
    if region.valid_to and region.valid_to < region.valid_from:
        raise ValidationError({"valid_to": "停用日期不能早于启用日期"})
    if region.successor_id == region.pk:
        raise ValidationError({"successor": "继承单位不能是其本身"})
    diff = diff_fields(before, snapshot(region, list(allowed)))
    if diff:
        region.save()
        write_audit(actor=actor, action="update", obj=region, changes=diff)
    return region
