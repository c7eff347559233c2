"""Data set `assistance_applications`: bulk intake of written applications (all or nothing).

Each row is one application, checked by the same rules as the intake page
(`services.application_rules`), with the facts loaded per chunk of rows (a fixed number of
queries per chunk), plus what only a file can get wrong: the same person and program twice.
A good file is written set-based: numbers drawn in one block per program and year, the
applications, their first history rows and one audit row each bulk-inserted in one transaction.
A second open application is still refused by the database constraint if one slips in between
validation and writing (the whole file is then rejected).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from minzheng.accounts.scoping import region_in_scope
from minzheng.core.datasets import (
    Column,
    Dataset,
    ImportErrors,
    Progress,
    Row,
    bulk_insert,
    check_lengths,
    chunked,
    import_audit_rows,
    parse_date,
    register_dataset,
)
from minzheng.core.masking import mask_id_number
from minzheng.registry.idnumbers import id_facts
from minzheng.registry.models import Household, Person
from minzheng.workflow.models import TransitionRecord

from ..models import APPLICATION_WORKFLOW, OPEN_STATUSES, Application
from ..programs import Program
from ..services.application_rules import HOUSEHOLD_PROGRAMS, eligibility_errors, load_facts
from ..services.applications import allocate_numbers, clean_income, duplicate_open_message

YES = {"是", "有", "Y", "YES", "TRUE", "1"}
NO = {"否", "无", "没有", "N", "NO", "FALSE", "0", ""}
PROGRAMS = {str(label): value for value, label in Program.choices} | {v: v for v in Program.values}


@dataclass(slots=True)
class Draft:
    row: int
    program: str
    person: Person
    household: Household | None
    applied_on: date
    reason: str
    declared_income: Decimal
    relative: bool
    relative_note: str


@register_dataset
class ApplicationsDataset(Dataset):
    name = "assistance_applications"
    title = "救助申请"
    description = (
        "每行一件救助申请（申请人须已在户籍系统登记且在您的管辖范围内；低保以申请人当前所在家庭户申请）。"
        "同一人同一项目已有正在办理的申请的，不能再次申请。"
    )
    model = Application
    columns = (
        Column(
            "身份证号码",
            "id_number",
            required=True,
            format="申请人18位身份证号码；请将单元格设为文本格式",
            example="440113196005010113",
            width=22,
        ),
        Column(
            "救助项目",
            "program",
            required=True,
            choices=tuple(str(label) for label in Program.labels),
            text=False,
            width=24,
        ),
        Column(
            "申请日期",
            "applied_on",
            required=True,
            format="如 2018-09-28",
            example="2018-09-28",
            text=False,
            width=12,
        ),
        Column("申请理由", "reason", format="可不填", example="夫妻二人均无固定收入", text=False, width=30),
        Column(
            "申报家庭月收入",
            "declared_income",
            format="元，两位小数；可不填（按0）",
            example="1200.00",
            text=False,
            width=14,
        ),
        Column(
            "有近亲属在民政部门工作",
            "relative_in_civil_affairs",
            format="是/否；可不填（按否）",
            choices=("是", "否"),
            text=False,
            width=12,
        ),
        Column(
            "近亲属备案说明",
            "relative_note",
            format="填“是”时必填：姓名、工作单位及关系",
            text=False,
            width=24,
        ),
    )

    def validate(self, rows, *, actor, errors: ImportErrors, progress: Progress):
        if not (actor.is_superuser or actor.role in APPLICATION_WORKFLOW.starters):
            errors.add_file(f"您的角色（{actor.get_role_display()}）不能提交救助申请")
            return []
        today = timezone.localdate()
        seen: dict[tuple[str, str], int] = {}
        seen_households: dict[tuple[int, str], int] = {}
        drafts: list[Draft] = []
        done = 0
        for chunk in chunked(rows, self.chunk_size):
            parsed = [(row, self._parse(row, errors)) for row in chunk]
            numbers = {values["id_number"] for _, values in parsed if values}
            persons = {
                p.id_number: p for p in Person.objects.filter(id_number__in=numbers).select_related("region")
            }
            facts = load_facts(persons.values())
            households = Household.objects.in_bulk(set(facts.current_household.values()))
            open_pairs = set(
                Application.objects.filter(person__in=persons.values(), status__in=OPEN_STATUSES).values_list(
                    "person_id", "program"
                )
            )
            scope: dict[int, bool] = {}
            for row, values in parsed:
                if values is None:
                    continue
                person = persons.get(values["id_number"])
                if person is None:
                    errors.add(row.number, "id_number", "户籍系统中没有该身份证号码的人员，请先登记人员")
                    continue
                if person.region_id not in scope:
                    scope[person.region_id] = region_in_scope(actor, person.region)
                if not scope[person.region_id]:
                    errors.add(row.number, "id_number", "申请人的户籍不在您的管辖范围内")
                    continue
                program = values["program"]
                key = (person.id_number, program)
                if key in seen:
                    errors.add(row.number, "program", f"与第{seen[key]}行重复（同一人同一项目）")
                    continue
                seen[key] = row.number
                if (person.pk, program) in open_pairs:
                    errors.add(row.number, "program", duplicate_open_message(person, program))
                    continue
                household = households.get(facts.current_household.get(person.pk))
                if program not in HOUSEHOLD_PROGRAMS:
                    household = None
                if household is not None:  # 低保 is applied for once per household
                    household_key = (household.pk, program)
                    if household_key in seen_households:
                        errors.add(
                            row.number,
                            "program",
                            f"与第{seen_households[household_key]}行为同一家庭户的同一项目（低保以家庭为单位申请）",
                        )
                        continue
                    seen_households[household_key] = row.number
                draft = Draft(
                    row.number,
                    program,
                    person,
                    household,
                    values["applied_on"],
                    row["reason"],
                    values["declared_income"],
                    values["relative"],
                    row["relative_note"],
                )
                problems = eligibility_errors(
                    program=program,
                    person=person,
                    household=household,
                    applied_on=draft.applied_on,
                    declared_income=draft.declared_income,
                    relative_in_civil_affairs=draft.relative,
                    relative_note=draft.relative_note,
                    today=today,
                    facts=facts,
                )
                for field, message in problems.items():
                    errors.add(row.number, _COLUMN_OF.get(field, field), message)
                if not problems:
                    drafts.append(draft)
            done += len(chunk)
            progress(done, f"已校验{done}行")
        return drafts

    def _parse(self, row: Row, errors: ImportErrors) -> dict | None:
        if not check_lengths(self, row, errors):
            return None
        values: dict = {}
        try:
            values["id_number"] = id_facts(row["id_number"]).number
        except ValidationError as exc:
            message = (
                "单元格是数字格式，长号码会丢失末几位数字，请将该列设为文本格式后重新填写"
                if "id_number" in row.numeric
                else exc
            )
            errors.add(row.number, "id_number", message)
        program = PROGRAMS.get(row["program"])
        if program is None:
            errors.add(
                row.number,
                "program",
                f"“{row['program']}”不是可申请的救助项目，可选：{'、'.join(str(x) for x in Program.labels)}",
            )
        values["program"] = program
        try:
            values["applied_on"] = parse_date(row["applied_on"])
        except ValidationError as exc:
            errors.add(row.number, "applied_on", exc)
        try:
            values["declared_income"] = clean_income(row["declared_income"] or "0", "declared_income")
        except ValidationError as exc:
            errors.add(row.number, "declared_income", exc.message_dict["declared_income"][0])
        answer = row["relative_in_civil_affairs"].upper()
        if answer in YES:
            values["relative"] = True
        elif answer in NO:
            values["relative"] = False
        else:
            errors.add(
                row.number, "relative_in_civil_affairs", f"“{row['relative_in_civil_affairs']}”应填“是”或“否”"
            )
        return values if row.number not in errors.rows else None

    def write(self, plan: list[Draft], *, actor, source: dict, progress: Progress) -> int:
        now = timezone.now()
        deadline = APPLICATION_WORKFLOW.deadline_for(APPLICATION_WORKFLOW.initial, timezone.localdate(now))
        counts: dict[tuple[str, int], int] = {}
        for draft in plan:
            counts[(draft.program, draft.applied_on.year)] = (
                counts.get((draft.program, draft.applied_on.year), 0) + 1
            )
        numbers = {key: iter(allocate_numbers(key[0], key[1], count)) for key, count in counts.items()}
        objects = [
            Application(
                number=next(numbers[(d.program, d.applied_on.year)]),
                program=d.program,
                person=d.person,
                household=d.household,
                region_id=d.household.region_id if d.household else d.person.region_id,
                applied_on=d.applied_on,
                reason=d.reason,
                declared_income=d.declared_income,
                relative_in_civil_affairs=d.relative,
                relative_note=d.relative_note if d.relative else "",
                status=APPLICATION_WORKFLOW.initial,
                status_changed_at=now,
                deadline=deadline,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            for d in plan
        ]
        created = 0
        for batch, drafts in zip(
            chunked(objects, self.chunk_size), chunked(plan, self.chunk_size), strict=True
        ):
            bulk_insert(Application, batch)
            bulk_insert(
                TransitionRecord,
                [
                    TransitionRecord(
                        case_type=Application._meta.label_lower,
                        case_id=str(a.pk),
                        from_status="",
                        to_status=a.status,
                        actor=actor if getattr(actor, "pk", None) else None,
                        opinion=a.reason,
                        deadline=deadline,
                        region_id=a.region_id,
                    )
                    for a in batch
                ],
            )
            import_audit_rows(
                batch,
                actor=actor,
                source=source,
                details=(
                    {"row": d.row, "number": a.number, "status": a.status}
                    for a, d in zip(batch, drafts, strict=True)
                ),
            )
            created += len(batch)
            progress(created, f"已写入{created}件申请")
        return created

    def export_queryset(self):
        return Application.objects.select_related("person").order_by("id")

    def export_row(self, obj: Application, *, masked: bool) -> list:
        number = obj.person.id_number
        return [
            mask_id_number(number) if masked else number,
            obj.get_program_display(),
            obj.applied_on.isoformat(),
            obj.reason,
            str(obj.declared_income),
            "是" if obj.relative_in_civil_affairs else "否",
            obj.relative_note,
        ]


_COLUMN_OF = {"person": "id_number", "household": "id_number", "relative_note": "relative_note"}
