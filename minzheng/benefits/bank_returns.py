"""The bank's return file for an exported run: read it (CSV or XLSX) and reconcile.

`reconcile_payments(run, file, actor=…)` marks every exported line paid or failed. The whole file
is checked first and refused as a whole with every reason found; only a clean file changes
anything (set-based updates, one transaction). Failed lines are re-issued by the next run once
the account is corrected (`payroll.build_run`). The layout is in docs/bank-file.md.

Lock order: the `PayrollRun` row first (`select_for_update`), then its lines.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from minzheng.accounts.roles import Capability, has_capability
from minzheng.core.audit import write_audit
from minzheng.core.money import quantize_money

from .bank_files import READ_CHUNK, bank_lines
from .models import PaymentLine, PayrollRun

RETURN_COLUMNS = ("明细编号", "账号", "金额", "结果", "失败原因")
RETURN_REQUIRED = ("明细编号", "金额", "结果")
RESULT_PAID, RESULT_FAILED = "成功", "失败"
MAX_ERRORS = 50  # reasons listed for a refused return file (the count of the rest is given)


def _update_chunk() -> int:
    """Ids per `pk__in` update: below SQLite's parameter limit, larger on PostgreSQL."""
    limit = connection.features.max_query_params
    return min(5000, limit - 10) if limit else 5000


@dataclass(frozen=True)
class ReconcileResult:
    run_id: int
    paid: int
    paid_total: Decimal
    failed: int
    failed_total: Decimal


# --- return file ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnRow:
    number: int  # row number in the file (first row = 1)
    line_id: str
    account: str
    amount: str
    result: str
    reason: str


@dataclass
class ReturnFile:
    header: dict[str, str]
    rows: list[ReturnRow]


def read_return_file(file: str | Path | IO[bytes]) -> ReturnFile:
    """The header lines (笔数, 合计金额, …) and the detail rows of a return file, as text.

    CSV (UTF-8 with or without BOM, or GB18030) or XLSX (first sheet), recognised by content.
    Raises ValidationError for a file that cannot be read or has no usable table header.
    """
    data = Path(file).read_bytes() if isinstance(file, str | Path) else file.read()
    header: dict[str, str] = {}
    columns: dict[str, int] | None = None
    rows: list[ReturnRow] = []
    for number, cells in enumerate(_raw_rows(data), start=1):
        texts = [_cell_text(cell) for cell in cells]
        if not any(texts):
            continue
        if columns is None:
            first = texts[0].rstrip("：:")
            if first == "明细编号":
                columns = _columns(texts)
            elif first:
                header[first] = texts[1] if len(texts) > 1 else ""
            continue
        if texts[0].startswith("追回清单"):
            break  # a return file that echoes the payment file's recovery section
        rows.append(ReturnRow(number, *(_pick(texts, columns, name) for name in RETURN_COLUMNS)))
    if columns is None:
        raise ValidationError({"file": "回盘文件中没有找到明细表头（表头第一列应为“明细编号”）"})
    return ReturnFile(header=header, rows=rows)


def _pick(texts: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return texts[index] if index is not None and index < len(texts) else ""


def _columns(texts: list[str]) -> dict[str, int]:
    columns = {}
    for index, text in enumerate(texts):
        name = text.rstrip("*＊").strip()
        if name in RETURN_COLUMNS and name not in columns:
            columns[name] = index
    missing = [name for name in RETURN_REQUIRED if name not in columns]
    if missing:
        raise ValidationError({"file": f"回盘文件明细表头缺少：{'、'.join(missing)}"})
    return columns


def _raw_rows(data: bytes) -> Iterator[tuple]:
    if data.startswith(b"PK"):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError):
            raise ValidationError({"file": "无法读取该 Excel 文件，请确认是 .xlsx 格式"})
        try:
            yield from workbook.worksheets[0].iter_rows(values_only=True)
        finally:
            workbook.close()
        return
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError({"file": "不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv"})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationError({"file": "无法识别回盘文件的编码，请使用 UTF-8 或 GB18030 编码的 CSV"})
    yield from csv.reader(io.StringIO(text, newline=""))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).replace("\u00a0", " ").strip()


def _amount(text: str) -> Decimal | None:
    """A yuan amount with at most two decimals ("1,200.5" is fine), else None."""
    try:
        value = Decimal(text.replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return quantize_money(value)


def reconcile_payments(
    run: PayrollRun, file: str | Path | IO[bytes], *, actor, filename: str = ""
) -> ReconcileResult:
    """Mark every line of the run's bank file paid or failed from the bank's return file.

    All or nothing: any problem refuses the whole file with a ValidationError listing every reason
    (in Chinese, with row numbers) and nothing changes. The run becomes RECONCILED.
    """
    if not has_capability(actor, Capability.PAYROLL_EXPORT):
        raise PermissionDenied("您的角色不能导入回盘文件对账")
    _require_exported(run)
    parsed = read_return_file(file)
    with transaction.atomic():
        locked = PayrollRun.objects.select_for_update().get(pk=run.pk)
        _require_exported(locked)
        expected = dict(bank_lines(locked).values_list("id", "amount").iterator(chunk_size=READ_CHUNK))
        paid, failed = _validate(parsed, expected)
        now = timezone.now()
        step = _update_chunk()
        for ids in _chunks(paid, step):
            _mark(locked, ids, status=PaymentLine.Status.PAID)
        by_reason: dict[str, list[int]] = defaultdict(list)
        for pk, reason in failed.items():
            by_reason[reason].append(pk)
        for reason, ids in by_reason.items():
            for chunk in _chunks(ids, step):
                _mark(locked, chunk, status=PaymentLine.Status.FAILED, failure_reason=reason)
        moved = PayrollRun.objects.filter(pk=locked.pk, status=PayrollRun.Status.EXPORTED).update(
            status=PayrollRun.Status.RECONCILED, reconciled_at=now
        )
        if not moved:
            raise ValidationError({"status": "发放批次已被他人处理，请刷新后重试"})
        result = ReconcileResult(
            run_id=locked.pk,
            paid=len(paid),
            paid_total=quantize_money(sum((expected[pk] for pk in paid), Decimal("0"))),
            failed=len(failed),
            failed_total=quantize_money(sum((expected[pk] for pk in failed), Decimal("0"))),
        )
        write_audit(
            actor=actor,
            action="reconcile_payments",
            obj=locked,
            changes={
                "file": filename or (Path(file).name if isinstance(file, str | Path) else ""),
                "paid": result.paid,
                "paid_total": result.paid_total,
                "failed": result.failed,
                "failed_total": result.failed_total,
            },
        )
    run.refresh_from_db()
    return result


def _require_exported(run: PayrollRun) -> None:
    if run.status != PayrollRun.Status.EXPORTED:
        raise ValidationError(
            {
                "status": f"发放批次状态为“{run.get_status_display()}”，"
                "只有已导出银行文件、尚未对账的批次才能导入回盘文件"
            }
        )


def _mark(run: PayrollRun, ids: list[int], **values) -> None:
    updated = PaymentLine.objects.filter(run=run, status=PaymentLine.Status.PENDING, pk__in=ids).update(
        **values
    )
    if updated != len(ids):
        raise ValidationError({"status": "对账期间发放明细发生变化，请刷新后重试"})


def _chunks(items, size: int) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _validate(parsed: ReturnFile, expected: dict[int, Decimal]) -> tuple[list[int], dict[int, str]]:
    """(ids paid, {id: reason} failed), or a ValidationError with every reason found."""
    errors: list[str] = []
    seen: dict[int, int] = {}
    paid: list[int] = []
    failed: dict[int, str] = {}
    total = Decimal("0.00")
    for row in parsed.rows:
        where = f"第{row.number}行"
        amount = _amount(row.amount)
        if amount is None:
            errors.append(f"{where} 金额“{row.amount}”不是有效的金额")
        else:
            total += amount
        if not row.line_id.isdigit():
            errors.append(f"{where} 明细编号“{row.line_id}”不是有效的编号")
            continue
        pk = int(row.line_id)
        if pk in seen:
            errors.append(f"{where} 明细编号 {pk} 重复（第{seen[pk]}行已出现）")
            continue
        seen[pk] = row.number
        if pk not in expected:
            errors.append(f"{where} 明细编号 {pk} 不在本批次的银行文件中")
            continue
        if amount is not None and amount != expected[pk]:
            errors.append(f"{where} 明细编号 {pk} 的金额 {amount} 与发放金额 {expected[pk]} 不符")
        if row.result == RESULT_PAID:
            paid.append(pk)
        elif row.result == RESULT_FAILED:
            if not row.reason:
                errors.append(f"{where} 明细编号 {pk} 发放失败，但没有填写失败原因")
            failed[pk] = row.reason[:200]
        else:
            errors.append(f"{where} 结果“{row.result}”应为“{RESULT_PAID}”或“{RESULT_FAILED}”")
    errors.extend(_check_header(parsed, len(parsed.rows), total))
    missing = [pk for pk in expected if pk not in seen]
    if missing:
        shown = "、".join(str(pk) for pk in sorted(missing)[:20])
        more = "等" if len(missing) > 20 else ""
        errors.append(
            f"回盘文件缺少{len(missing)}笔（明细编号 {shown}{more}），银行文件的每一笔都须有回盘结果"
        )
    if errors:
        if len(errors) > MAX_ERRORS:
            errors = [*errors[:MAX_ERRORS], f"……另有{len(errors) - MAX_ERRORS}处问题未列出"]
        raise ValidationError({"file": ["回盘文件未通过校验，整份文件未导入，未作任何更改", *errors]})
    return paid, failed


def _check_header(parsed: ReturnFile, count: int, total: Decimal) -> list[str]:
    errors = []
    stated_count = parsed.header.get("笔数")
    if stated_count is None:
        errors.append("回盘文件缺少“笔数”行")
    elif not stated_count.isdigit():
        errors.append(f"回盘文件的笔数“{stated_count}”不是有效的数字")
    elif int(stated_count) != count:
        errors.append(f"回盘文件笔数为{stated_count}，但明细有{count}行")
    stated_total = parsed.header.get("合计金额")
    if stated_total is None:
        errors.append("回盘文件缺少“合计金额”行")
    elif (amount := _amount(stated_total)) is None:
        errors.append(f"回盘文件的合计金额“{stated_total}”不是有效的金额")
    elif amount != total:
        errors.append(f"回盘文件合计金额为{amount}元，但明细金额合计{quantize_money(total)}元")
    return errors
