"""The register's import/export data sets: `persons` and `households` (one row per member).

The rules are the services' own (ID numbers, names, phones, disability, marital status come
from `idnumbers` and `validation`); what is added here is doing them for a whole file at once:
look-ups per chunk of rows instead of per row, and checks across rows (duplicates in the file,
one head per household).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from minzheng.accounts.scoping import region_in_scope, visible_to
from minzheng.core.datasets import (
    Column,
    Dataset,
    ImportErrors,
    Progress,
    Row,
    bulk_insert,
    check_lengths,
    choice_lookup,
    chunked,
    import_audit_rows,
    parse_date,
    register_dataset,
)
from minzheng.core.masking import mask_id_number, mask_phone

from . import events
from .idnumbers import id_facts
from .models import Household, Membership, Person, Region
from .services import duplicate_message
from .validation import clean_disability, clean_marital_status, clean_name, clean_phone, name_initials

VILLAGE_CODE = "12位村（居）委会区划代码，如 440113007001"
ID_FORMAT = "18位居民身份证号码（15位旧号码自动升为18位），末位X大小写均可；请将单元格设为文本格式"
GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "一": 1, "二": 2, "三": 3, "四": 4}
GRADE_LABELS = ("一级", "二级", "三级", "四级")
PROGRESS_LOG_EVERY = 10_000

cached_initials = lru_cache(maxsize=100_000)(name_initials)


def _labels(choices: type[models.Choices]) -> tuple[str, ...]:
    return tuple(str(label) for label in choices.labels)


class RegionCodes:
    """The current regions by code, loaded once per import, and the actor's scope."""

    def __init__(self, actor):
        self.actor = actor
        current = list(Region.objects.filter(valid_to__isnull=True))
        self.villages = {r.code: r for r in current if r.level == Region.Level.VILLAGE}
        self.others = {r.code: r for r in current if r.level != Region.Level.VILLAGE}
        self._in_scope: dict[int, bool] = {}

    def village(self, code: str, *, scoped: bool) -> Region:
        region = self.villages.get(code)
        if region is None:
            if not (code.isdigit() and len(code) == 12):
                raise ValidationError(f"“{code}”不是12位数字的村（居）委会区划代码")
            other = self.others.get(code)
            if other is not None:
                raise ValidationError(f"“{code}”是{other.name}的代码，应填写村（居）委会的12位代码")
            raise ValidationError(f"区划代码“{code}”不存在或已停用")
        if scoped:
            if region.pk not in self._in_scope:
                self._in_scope[region.pk] = region_in_scope(self.actor, region)
            if not self._in_scope[region.pk]:
                raise ValidationError(f"“{region.name}”（{code}）不在您的管辖范围内")
        return region


def _region(row: Row, column: str, regions: RegionCodes, errors: ImportErrors, *, scoped: bool):
    """The row's village for `column`, or None (with an error added when the cell is wrong)."""
    code = row[column]
    if not code:
        return None
    try:
        return regions.village(code, scoped=scoped)
    except ValidationError as exc:
        errors.add(row.number, column, exc)
        return None


def _id_facts(row: Row, errors: ImportErrors):
    value = row["id_number"]
    if not value:
        return None
    try:
        return id_facts(value)
    except ValidationError as exc:
        if "id_number" in row.numeric:
            errors.add(
                row.number,
                "id_number",
                "单元格是数字格式，长号码会丢失末几位数字，请将该列设为文本格式后重新填写",
            )
        else:
            errors.add(row.number, "id_number", exc)
        return None


def _choice(
    row: Row, column: str, choices: type[models.Choices], table: dict[str, str], errors: ImportErrors
):
    value = row[column]
    if not value:
        return ""
    if value not in table:
        errors.add(row.number, column, f"“{value}”不是可选值，可选：{'、'.join(_labels(choices))}")
        return None
    return table[value]


# --- persons --------------------------------------------------------------------------------


@dataclass(slots=True)
class PersonDraft:
    row: int
    id_number: str
    name: str
    initials: str
    birth_date: date
    sex: str
    phone: str
    region_id: int
    residence_region_id: int | None
    disability_category: str
    disability_grade: int | None
    disability_cert_no: str
    marital_status: str

    def build(self) -> Person:
        return Person(
            id_number=self.id_number,
            id_tail=self.id_number[-6:],
            name=self.name,
            name_initials=self.initials,
            birth_date=self.birth_date,
            sex=self.sex,
            phone=self.phone,
            region_id=self.region_id,
            residence_region_id=self.residence_region_id,
            disability_category=self.disability_category,
            disability_grade=self.disability_grade,
            disability_cert_no=self.disability_cert_no,
            marital_status=self.marital_status,
        )


@register_dataset
class PersonsDataset(Dataset):
    name = "persons"
    title = "人员"
    description = "每行一名人员（一人一档）。身份证号码不能与已登记人员或本文件其他行重复。"
    model = Person
    columns = (
        Column(
            "身份证号码", "id_number", required=True, format=ID_FORMAT, example="440113196005010113", width=22
        ),
        Column(
            "姓名", "name", required=True, format="姓名，最多50个字", example="张三明", text=False, width=12
        ),
        Column(
            "户籍村居代码",
            "region",
            required=True,
            format=VILLAGE_CODE + "；须在您的管辖范围内",
            example="440113007001",
        ),
        Column(
            "联系电话",
            "phone",
            format="11位手机号，或带区号的固定电话（如 020-84123456）",
            example="13800138000",
        ),
        Column(
            "实际居住村居代码", "residence_region", format=VILLAGE_CODE + "；可不填", example="440113007001"
        ),
        Column(
            "残疾类别",
            "disability_category",
            format="填写残疾等级时必填",
            choices=_labels(Person.Disability),
            text=False,
            width=12,
        ),
        Column(
            "残疾等级",
            "disability_grade",
            format="一级至四级（也可填1至4）；填写残疾类别时必填",
            choices=GRADE_LABELS,
            text=False,
            width=10,
        ),
        Column("残疾证号", "disability_cert_no", format="最多30个字符", width=24),
        Column(
            "婚姻状况",
            "marital_status",
            format="不填为“未知”",
            choices=_labels(Person.MaritalStatus),
            text=False,
            width=10,
        ),
    )

    def validate(self, rows, *, actor, errors: ImportErrors, progress: Progress) -> list[PersonDraft]:
        regions = RegionCodes(actor)
        disabilities = choice_lookup(Person.Disability)
        marital = choice_lookup(Person.MaritalStatus)
        seen: dict[str, int] = {}
        drafts: list[PersonDraft] = []
        done = 0
        for chunk in chunked(rows, self.chunk_size):
            fresh: list[PersonDraft] = []
            for row in chunk:
                draft = self._clean(row, regions, disabilities, marital, errors)
                if draft is None:
                    continue
                first = seen.get(draft.id_number)
                if first is not None:
                    errors.add(row.number, "id_number", f"与第{first}行重复")
                    continue
                seen[draft.id_number] = row.number
                fresh.append(draft)
            # One query per chunk for numbers already in the register.
            for existing in Person.objects.filter(id_number__in=[d.id_number for d in fresh]).only(
                "id", "name", "id_number"
            ):
                errors.add(seen[existing.id_number], "id_number", duplicate_message(existing))
            if not errors:
                drafts.extend(fresh)
            done += len(chunk)
            progress(done, f"已校验{done}行" if done % PROGRESS_LOG_EVERY < self.chunk_size else "")
        return drafts

    def _clean(self, row: Row, regions, disabilities, marital, errors: ImportErrors) -> PersonDraft | None:
        bad = len(errors)
        check_lengths(self, row, errors)
        facts = _id_facts(row, errors)
        name = ""
        if row["name"]:
            try:
                name = clean_name(row["name"])
            except ValidationError as exc:
                errors.add(row.number, "name", exc)
        region = _region(row, "region", regions, errors, scoped=True)
        residence = _region(row, "residence_region", regions, errors, scoped=False)
        phone, grade, cert = "", None, ""
        try:
            phone = clean_phone(row["phone"])
        except ValidationError as exc:
            errors.add(row.number, "phone", exc)
        category = _choice(row, "disability_category", Person.Disability, disabilities, errors)
        grade_text = row["disability_grade"]
        grade = GRADES.get(grade_text, grade_text.removesuffix("级")) if grade_text else None
        status = _choice(row, "marital_status", Person.MaritalStatus, marital, errors)
        if category is not None and (category or grade is not None or row["disability_cert_no"]):
            try:
                category, grade, cert = clean_disability(category, grade, row["disability_cert_no"])
            except ValidationError as exc:
                errors.add(row.number, "disability_grade", exc)
        if status is not None:
            status = clean_marital_status(status)
        if len(errors) > bad:
            return None
        return PersonDraft(
            row=row.number,
            id_number=facts.number,
            name=name,
            initials=cached_initials(name),
            birth_date=facts.birth_date,
            sex=facts.sex,
            phone=phone,
            region_id=region.pk,
            residence_region_id=residence.pk if residence else None,
            disability_category=category,
            disability_grade=grade,
            disability_cert_no=cert,
            marital_status=status,
        )

    def write(self, plan: list[PersonDraft], *, actor, source: dict, progress: Progress) -> int:
        done = 0
        for batch in chunked(plan, self.chunk_size):
            persons = bulk_insert(Person, [draft.build() for draft in batch])
            import_audit_rows(persons, actor=actor, source=source, details=[{"row": d.row} for d in batch])
            done += len(batch)
            progress(done, "")
        return done

    def export_queryset(self):
        return Person.objects.select_related("region", "residence_region").order_by("id")

    def export_row(self, obj: Person, *, masked: bool) -> list:
        grade = GRADE_LABELS[obj.disability_grade - 1] if obj.disability_grade else ""
        return [
            mask_id_number(obj.id_number) if masked else obj.id_number,
            obj.name,
            obj.region.code,
            mask_phone(obj.phone) if masked else obj.phone,
            obj.residence_region.code if obj.residence_region_id else "",
            obj.get_disability_category_display() if obj.disability_category else "",
            grade,
            mask_id_number(obj.disability_cert_no) if masked else obj.disability_cert_no,
            obj.get_marital_status_display(),
        ]


# --- households -----------------------------------------------------------------------------


@dataclass(slots=True)
class MemberDraft:
    row: int
    person: Person | None
    relation: str | None
    since: date


@dataclass
class HouseholdDraft:
    number: str
    first_row: int
    region: Region | None = None
    region_row: int = 0
    region_given: bool = False
    address: str = ""
    address_row: int = 0
    members: list[MemberDraft] = field(default_factory=list)

    @property
    def head(self) -> Person:
        return next(m.person for m in self.members if m.relation == Membership.Relation.HEAD)


@register_dataset
class HouseholdsDataset(Dataset):
    name = "households"
    title = "家庭户"
    description = (
        "每行一名家庭成员，户号相同的行组成一户；每户须有且只有一名户主。"
        "成员须已登记为人员（可先导入“人员”），且目前不属于任何家庭户；每人在文件中只能出现一次。"
    )
    model = Household
    columns = (
        Column(
            "户号",
            "number",
            required=True,
            format="同一户各行填写相同户号；不能与已有户号重复；最多30个字符",
            example="SQ-0101",
            width=14,
        ),
        Column(
            "户籍村居代码",
            "region",
            format=VILLAGE_CODE + "；同户各行须一致，可只在户主行填写；须在您的管辖范围内",
            example="440113007001",
        ),
        Column(
            "住址",
            "address",
            format="最多200个字；同户各行须一致，可只在户主行填写",
            example="市桥街一号",
            text=False,
            width=30,
        ),
        Column(
            "身份证号码",
            "id_number",
            required=True,
            format=ID_FORMAT + "；须为已登记人员",
            example="440113196005010113",
            width=22,
        ),
        Column(
            "与户主关系",
            "relation",
            required=True,
            choices=_labels(Membership.Relation),
            example="户主",
            text=False,
            width=12,
        ),
        Column(
            "入户日期",
            "since",
            format="如 2015-01-01；不填为导入当天；不能晚于今天",
            example="2015-01-01",
            width=14,
        ),
    )

    def validate(self, rows, *, actor, errors: ImportErrors, progress: Progress) -> list[HouseholdDraft]:
        regions = RegionCodes(actor)
        relations = choice_lookup(Membership.Relation)
        today = timezone.localdate()
        households: dict[str, HouseholdDraft] = {}
        seen: dict[str, int] = {}
        done = 0
        for chunk in chunked(rows, self.chunk_size):
            pending: dict[str, MemberDraft] = {}  # ID number -> member waiting for its person
            for row in chunk:
                member = self._clean(row, regions, relations, today, households, errors)
                facts = _id_facts(row, errors)
                if facts is None:
                    continue
                first = seen.get(facts.number)
                if first is not None:
                    errors.add(row.number, "id_number", f"与第{first}行重复（每人只能出现一次）")
                    continue
                seen[facts.number] = row.number
                if member is not None:
                    pending[facts.number] = member
            self._attach_persons(pending, actor, errors)
            done += len(chunk)
            progress(done, f"已校验{done}行" if done % PROGRESS_LOG_EVERY < self.chunk_size else "")
        self._check_households(households, errors)
        return list(households.values())

    def _clean(self, row: Row, regions, relations, today, households, errors) -> MemberDraft | None:
        """Household-level cells go to the draft; returns the member (person attached later)."""
        check_lengths(self, row, errors)
        number = row["number"]
        if not number:
            return None
        household = households.get(number)
        if household is None:
            household = households[number] = HouseholdDraft(number=number, first_row=row.number)
        household.region_given = household.region_given or bool(row["region"])
        region = _region(row, "region", regions, errors, scoped=True)
        if region is not None:
            if household.region is None:
                household.region, household.region_row = region, row.number
            elif household.region != region:
                errors.add(row.number, "region", f"与本户第{household.region_row}行填写的代码不一致")
        address = row["address"]
        if address:
            if not household.address:
                household.address, household.address_row = address, row.number
            elif household.address != address:
                errors.add(row.number, "address", f"与本户第{household.address_row}行填写的住址不一致")
        relation = _choice(row, "relation", Membership.Relation, relations, errors) or None
        since = today
        if row["since"]:
            try:
                since = parse_date(row["since"])
            except ValidationError as exc:
                errors.add(row.number, "since", exc)
            if since > today:
                errors.add(row.number, "since", "不能晚于今天")
        member = MemberDraft(row=row.number, person=None, relation=relation, since=since)
        household.members.append(member)
        return member

    def _attach_persons(self, pending: dict[str, MemberDraft], actor, errors: ImportErrors) -> None:
        """Two queries per chunk: the persons (within the actor's scope) and their households."""
        found = {
            p.id_number: p
            for p in visible_to(actor, Person.objects.filter(id_number__in=list(pending))).only(
                "id", "id_number", "name", "birth_date", "death_date"
            )
        }
        current = {
            m.person_id: m.household
            for m in Membership.objects.filter(
                person_id__in=[p.pk for p in found.values()], valid_to__isnull=True
            ).select_related("household")
        }
        for number, member in pending.items():
            person = found.get(number)
            if person is None:
                errors.add(
                    member.row, "id_number", "未找到该号码的人员（或不在您的管辖范围内），请先导入人员"
                )
            elif person.pk in current:
                household = current[person.pk]
                errors.add(
                    member.row,
                    "id_number",
                    f"{person.name}已是家庭户{household.number or household.pk}的成员，请先办理离户",
                )
            elif person.death_date:
                errors.add(member.row, "id_number", f"{person.name}已登记死亡，不能加入家庭户")
            else:
                member.person = person

    def _check_households(self, households: dict[str, HouseholdDraft], errors: ImportErrors) -> None:
        for household in households.values():
            if not household.region_given:
                errors.add(household.first_row, "region", f"户号“{household.number}”没有填写户籍村居代码")
            heads = [m for m in household.members if m.relation == Membership.Relation.HEAD]
            if not heads:
                errors.add(
                    household.first_row,
                    "relation",
                    f"户号“{household.number}”没有户主，每户须有且只有一名户主",
                )
            for extra in heads[1:]:
                errors.add(
                    extra.row,
                    "relation",
                    f"户号“{household.number}”已有户主（第{heads[0].row}行），每户只能有一名户主",
                )
        for chunk in chunked(households.values(), self.chunk_size):
            by_number = {h.number: h for h in chunk}
            for number in Household.objects.filter(number__in=list(by_number)).values_list(
                "number", flat=True
            ):
                errors.add(by_number[number].first_row, "number", f"户号“{number}”已存在")

    def write(self, plan: list[HouseholdDraft], *, actor, source: dict, progress: Progress) -> int:
        done = 0
        for batch in chunked(plan, self.chunk_size):
            households = bulk_insert(
                Household,
                [Household(number=d.number, region=d.region, address=d.address, head=d.head) for d in batch],
            )
            bulk_insert(
                Membership,
                [
                    Membership(household=household, person=m.person, relation=m.relation, valid_from=m.since)
                    for household, draft in zip(households, batch, strict=True)
                    for m in draft.members
                ],
            )
            import_audit_rows(
                households,
                actor=actor,
                source=source,
                details=[{"row": d.first_row, "members": len(d.members)} for d in batch],
            )
            for household in households:
                events.publish(
                    events.household_changed,
                    household=household,
                    change="created",
                    person=household.head,
                    actor=actor,
                )
            done += sum(len(d.members) for d in batch)
            progress(done, "")
        return len(plan)

    def export_queryset(self):
        head_first = models.Case(
            models.When(relation=Membership.Relation.HEAD, then=0),
            default=1,
            output_field=models.IntegerField(),
        )
        return (
            Membership.objects.filter(valid_to__isnull=True)
            .select_related("household", "household__region", "person")
            .order_by("household_id", head_first, "valid_from", "id")
        )

    def export_row(self, obj: Membership, *, masked: bool) -> list:
        household = obj.household
        return [
            household.number,
            household.region.code,
            household.address,
            mask_id_number(obj.person.id_number) if masked else obj.person.id_number,
            obj.get_relation_display(),
            obj.valid_from.isoformat(),
        ]
