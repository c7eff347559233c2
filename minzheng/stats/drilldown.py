"""The record list behind a figure: which columns it shows, masked cells, and its XLSX export.

An indicator may name its columns (`columns=[("姓名", "person__name"), …]` on the decorator);
otherwise the list shows the model's own fields (related records by their name). Whatever the
columns, ID numbers, phones and bank accounts are masked (`core.masking`), and persons' names go
through `masking.display_name` (a child's name is 张**, RULES.md §5) whether the column is the
person (`person`), a name field of a person (`person__name`) or a household (its head's name): the
drill-down and its export are for checking figures, not for reading personal data.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from minzheng.core.audit import write_audit
from minzheng.core.masking import (
    display_name,
    display_name_with_id,
    mask_bank_account,
    mask_id_number,
    mask_phone,
)
from minzheng.registry.models import Household, Person

from .registry import Indicator, Period
from .reporting import format_value

MASKS = (
    ("id_number", mask_id_number),
    ("phone", mask_phone),
    ("mobile", mask_phone),
    ("bank_account", mask_bank_account),
    ("account_number", mask_bank_account),
)
SKIPPED = {"id", "created_at", "updated_at", "id_tail", "name_initials", "path", "is_generated"}
MAX_COLUMNS = 9


@dataclass(frozen=True)
class Column:
    header: str
    path: str  # a field path, "__" between relations

    @property
    def mask(self):
        last = self.path.rsplit("__", 1)[-1]
        for suffix, masker in MASKS:
            if last == suffix or last.endswith("_" + suffix):
                return masker
        return None


def columns_for(indicator: Indicator, model: type[models.Model]) -> list[Column]:
    if indicator.columns:
        return [Column(str(header), path) for header, path in indicator.columns]
    found = []
    for model_field in model._meta.concrete_fields:
        if model_field.name in SKIPPED or isinstance(model_field, models.JSONField):
            continue
        found.append(Column(str(model_field.verbose_name), model_field.name))
    return found[:MAX_COLUMNS]


def prepare(queryset: QuerySet, columns: list[Column]) -> QuerySet:
    """Fetch the related records the columns show in the same query."""
    related = set()
    model = queryset.model
    for column in columns:
        parts = column.path.split("__")
        current, chain = model, []
        for part in parts:
            try:
                model_field = current._meta.get_field(part)
            except Exception:
                break
            if not getattr(model_field, "is_relation", False) or model_field.many_to_many:
                break
            if model_field.one_to_many:
                break
            chain.append(part)
            current = model_field.related_model
        if chain:
            related.add("__".join(chain))
    return queryset.select_related(*sorted(related)) if related else queryset


def _resolve(obj, path: str):
    value = owner = obj
    for part in path.split("__"):
        if value is None:
            return None
        owner = value
        display = getattr(value, f"get_{part}_display", None)
        value = display() if callable(display) else getattr(value, part, None)
    if isinstance(owner, Person) and path.rsplit("__", 1)[-1] == "name":
        return display_name(owner)
    return _person_text(value)


def _person_text(value):
    """A person or household shown as a cell: names through `display_name` (children masked)."""
    if isinstance(value, Person):
        return display_name_with_id(value)
    if isinstance(value, Household):
        head = display_name(value.head) if value.head_id else "—"
        return f"{head}户（{value.number or value.pk}）"
    return value


def cell(obj, column: Column) -> str:
    value = _resolve(obj, column.path)
    if value is None or value == "":
        return ""
    if column.mask is not None:
        return column.mask(str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def rows(records: Iterable, columns: list[Column]) -> Iterator[list[str]]:
    for obj in records:
        yield [cell(obj, column) for column in columns]


def export_records(
    out, *, actor, indicator: Indicator, period: Period, region, value, records: QuerySet
) -> int:
    """Write the masked record list of a figure to XLSX and audit the export (action "export")."""
    columns = columns_for(indicator, records.model)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("明细")
    title = WriteOnlyCell(sheet, f"{region.name} {period.label} {indicator.name}：明细（脱敏）")
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    sheet.append(
        [
            f"数值：{format_value(value.value, indicator.unit)} {indicator.unit}",
            f"口径：{indicator.definition}",
        ]
    )
    sheet.append([column.header for column in columns])
    count = 0
    for row in rows(prepare(records, columns).iterator(chunk_size=2000), columns):
        sheet.append([_text(sheet, text) for text in row])
        count += 1
    with transaction.atomic():
        workbook.save(out)
        write_audit(
            actor=actor,
            action="export",
            obj=region,
            object_repr=f"导出指标明细：{indicator.name}（{region.name} {period.label}）",
            changes={
                "indicator": indicator.id,
                "period": str(period),
                "region": region.code,
                "rows": count,
                "masked": True,
                "format": "xlsx",
            },
        )
    return count


def _text(sheet, text: str):
    """Text starting with "=" stays text (no formula injection)."""
    if text.startswith(("=", "+", "-", "@")):
        cell_ = WriteOnlyCell(sheet, text)
        cell_.data_type = "s"
        return cell_
    return text
