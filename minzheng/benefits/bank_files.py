"""Bank files: the payment file a run sends to the bank (the return file coming back is read by
`bank_returns`).

The layouts are documented in docs/bank-file.md (a contract with the bank: the texts here do not
follow the user's language).

`export_bank_file(run, out, actor=…)` writes an approved (or, for a re-download, exported) run
as CSV (UTF-8 with BOM) or XLSX: a header block with the control total and line count, one row
per line to pay (pending, amount > 0) with the FULL account number from the person's current
`BankAccount`, and the recovery lines in a separate "追回清单" (not paid by the bank, not in
the total). The run becomes EXPORTED; every export, re-downloads included, is audited — with
counts and totals, never account numbers. The file is the only place a full account number
leaves the database.

Lock order: the `PayrollRun` row first (`select_for_update`), then its lines.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from minzheng.accounts.roles import Capability, has_capability
from minzheng.core.audit import write_audit
from minzheng.core.masking import display_name
from minzheng.core.money import quantize_money

from .models import PaymentLine, PayrollRun

FORMATS = ("csv", "xlsx")
BANK_SHEET = "银行代发"
RECOVERY_SHEET = "追回清单"
RECOVERY_NOTE = "追回清单（另行追缴，不由银行代发，不计入上方合计金额）"

HEADER_KEYS = ("付款单位", "项目", "发放月份", "批次号", "笔数", "合计金额")
LINE_COLUMNS = ("明细编号", "户名", "账号", "开户银行", "身份证号码", "金额", "所属月份", "类别")
RECOVERY_COLUMNS = ("明细编号", "姓名", "身份证号码", "金额", "所属月份", "类别")

# Fixed texts (the file is a contract; it must not change with the user's language).
KIND_TEXT = {
    PaymentLine.Kind.REGULAR: "正常发放",
    PaymentLine.Kind.ARREARS: "补发",
    PaymentLine.Kind.REISSUE: "重发",
    PaymentLine.Kind.RECOVERY: "追回",
}
TEXT_COLUMNS = {"户名", "账号", "开户银行", "身份证号码", "姓名", "所属月份", "类别"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
READ_CHUNK = 5000


@dataclass(frozen=True)
class BankFileSummary:
    run_id: int
    format: str
    lines: int  # 笔数: lines the bank pays
    total: Decimal  # 合计金额 (control total)
    recoveries: int  # lines in the 追回清单
    recovery_total: Decimal  # negative, not part of `total`
    redownload: bool  # the run had already been exported


# --- export ---------------------------------------------------------------------------------


def bank_lines(run: PayrollRun):
    """The lines the bank pays: pending, with a positive amount (held and recovery lines are not)."""
    return PaymentLine.objects.filter(run=run, status=PaymentLine.Status.PENDING, amount__gt=0)


def recovery_lines(run: PayrollRun):
    return PaymentLine.objects.filter(run=run, kind=PaymentLine.Kind.RECOVERY)


def file_format(out: str | Path | IO[bytes], fmt: str | None = None) -> str:
    """ "csv" or "xlsx": as given, else from the path's suffix; a file object without one is CSV."""
    if fmt is None:
        fmt = Path(out).suffix.lstrip(".") if isinstance(out, str | Path) else "csv"
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError("银行文件只能导出为 .csv 或 .xlsx 文件")
    return fmt


def export_bank_file(
    run: PayrollRun, out: str | Path | IO[bytes], *, actor, fmt: str | None = None
) -> BankFileSummary:
    """Write the run's bank payment file to `out` (a path or a binary file) and audit the export.

    `fmt` is "csv" or "xlsx" (default: the path's suffix; CSV for a file object). The first
    export moves the run from APPROVED to EXPORTED; later ones are re-downloads of the same file.
    A path is created readable by its owner only and removed again if the export fails.
    """
    fmt = file_format(out, fmt)
    if not has_capability(actor, Capability.PAYROLL_EXPORT):
        raise PermissionDenied("您的角色不能导出银行文件")
    touched = False  # a path we opened is removed again if the export fails
    try:
        with transaction.atomic():
            locked = PayrollRun.objects.select_for_update().select_related("scheme").get(pk=run.pk)
            if locked.status not in (PayrollRun.Status.APPROVED, PayrollRun.Status.EXPORTED):
                raise ValidationError(
                    {
                        "status": f"发放批次状态为“{locked.get_status_display()}”，"
                        "只有已审批（或已导出、重新下载）的批次才能导出银行文件"
                    }
                )
            _require_accounts(locked)
            touched = isinstance(out, str | Path)
            summary = _write(locked, out, fmt)
            redownload = locked.status == PayrollRun.Status.EXPORTED
            if not redownload:
                moved = PayrollRun.objects.filter(pk=locked.pk, status=PayrollRun.Status.APPROVED).update(
                    status=PayrollRun.Status.EXPORTED, exported_at=timezone.now()
                )
                if not moved:
                    raise ValidationError({"status": "发放批次已被他人处理，请刷新后重试"})
            write_audit(
                actor=actor,
                action="export_bank_file",
                obj=locked,
                changes={
                    "format": fmt,
                    "lines": summary["lines"],
                    "total": summary["total"],
                    "recoveries": summary["recoveries"],
                    "recovery_total": summary["recovery_total"],
                    "redownload": redownload,
                },
            )
    except BaseException:
        if touched:
            Path(out).unlink(missing_ok=True)
        raise
    run.refresh_from_db()
    return BankFileSummary(run_id=run.pk, format=fmt, redownload=redownload, **summary)


def _require_accounts(run: PayrollRun) -> None:
    """Every line to pay has an account (an account is never removed, so this only guards)."""
    missing = list(
        bank_lines(run)
        .filter(person__bank_account__isnull=True)
        .select_related("person")
        .only("pk", "person__name", "person__birth_date", "person__death_date")[:10]
    )
    if missing:
        names = "、".join(f"{display_name(line.person)}（明细编号 {line.pk}）" for line in missing)
        raise ValidationError({"status": f"以下待发放明细的领取人没有银行账户，请先登记账户：{names}"})


def _write(run: PayrollRun, out, fmt: str) -> dict:
    lines = bank_lines(run)
    totals = lines.aggregate(count=Count("id"), total=Sum("amount"))
    recovered = recovery_lines(run).aggregate(count=Count("id"), total=Sum("amount"))
    summary = {
        "lines": totals["count"],
        "total": quantize_money(totals["total"] or 0),
        "recoveries": recovered["count"],
        "recovery_total": quantize_money(recovered["total"] or 0),
    }
    header = [
        ("付款单位", run.scheme.paying_unit),
        ("项目", f"{run.scheme.name}（{run.scheme.code}）"),
        ("发放月份", f"{run.month:%Y-%m}"),
        ("批次号", run.pk),
        ("笔数", summary["lines"]),
        ("合计金额", summary["total"]),
    ]
    checked = _Checked(_line_rows(lines))
    recoveries = _recovery_rows(recovery_lines(run))
    recovery_header = [("笔数", summary["recoveries"]), ("合计金额", summary["recovery_total"])]
    if isinstance(out, str | Path):
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            _WRITERS[fmt](handle, header, checked, recovery_header, recoveries)
    else:
        _WRITERS[fmt](out, header, checked, recovery_header, recoveries)
    if (checked.count, checked.total) != (summary["lines"], summary["total"]):
        raise ValidationError({"status": "导出期间发放明细发生变化，请重新导出"})
    return summary


def _line_rows(lines) -> Iterator[list]:
    rows = (
        lines.order_by("id")
        .values_list(
            "id",
            "person__bank_account__account_name",
            "person__bank_account__account_number",
            "person__bank_account__bank_name",
            "person__id_number",
            "amount",
            "month",
            "kind",
        )
        .iterator(chunk_size=READ_CHUNK)
    )
    for pk, name, number, bank, id_number, amount, month, kind in rows:
        yield [pk, name, number, bank, id_number, amount, f"{month:%Y-%m}", KIND_TEXT[kind]]


def _recovery_rows(lines) -> Iterator[list]:
    rows = (
        lines.order_by("id")
        .values_list("id", "person__name", "person__id_number", "amount", "month", "kind")
        .iterator(chunk_size=READ_CHUNK)
    )
    for pk, name, id_number, amount, month, kind in rows:
        yield [pk, name, id_number, amount, f"{month:%Y-%m}", KIND_TEXT[kind]]


class _Checked:
    """Counts and sums the rows as they are written, to prove the file matches its header."""

    def __init__(self, rows: Iterable[list]):
        self.rows = rows
        self.count = 0
        self.total = Decimal("0.00")

    def __iter__(self) -> Iterator[list]:
        for row in self.rows:
            self.count += 1
            self.total += row[5]
            yield row


def _write_csv(handle, header, lines, recovery_header, recoveries) -> None:
    """UTF-8 with BOM: header block, blank row, column row, the lines; then, only if the run has
    recovery lines, a blank row and the 追回清单 section laid out the same way under its title."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        for key, value in header:
            writer.writerow([key, _csv_value(key, value)])
        writer.writerow([])
        writer.writerow(LINE_COLUMNS)
        for row in lines:
            writer.writerow([_csv_value(col, value) for col, value in zip(LINE_COLUMNS, row, strict=True)])
        first = next(recoveries, None)
        if first is not None:
            writer.writerow([])
            writer.writerow([RECOVERY_NOTE])
            for key, value in recovery_header:
                writer.writerow([key, _csv_value(key, value)])
            writer.writerow([])
            writer.writerow(RECOVERY_COLUMNS)
            for row in _chain(first, recoveries):
                writer.writerow(
                    [_csv_value(col, value) for col, value in zip(RECOVERY_COLUMNS, row, strict=True)]
                )
    finally:
        text.flush()
        text.detach()


def _chain(first, rest: Iterator) -> Iterator:
    yield first
    yield from rest


def _csv_value(column: str, value: Any) -> Any:
    """Amounts with two decimals; free text that Excel would run as a formula gets an apostrophe."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if column in {"户名", "开户银行", "姓名", "付款单位", "项目"} and str(value).startswith(FORMULA_STARTS):
        return "'" + str(value)
    return value


def _write_xlsx(handle, header, lines, recovery_header, recoveries) -> None:
    """Write-only workbook: sheet 银行代发 (header block + lines) and sheet 追回清单 (always)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(BANK_SHEET)
    _widths(sheet, (12, 14, 24, 20, 22, 14, 10, 10))
    for key, value in header:
        sheet.append([_xlsx_cell(sheet, "", key), _xlsx_cell(sheet, key, value)])
    sheet.append([])
    sheet.append([_xlsx_cell(sheet, "", col) for col in LINE_COLUMNS])
    for row in lines:
        sheet.append([_xlsx_cell(sheet, col, value) for col, value in zip(LINE_COLUMNS, row, strict=True)])
    other = workbook.create_sheet(RECOVERY_SHEET)
    _widths(other, (12, 14, 22, 14, 10, 10))
    other.append([_xlsx_cell(other, "", RECOVERY_NOTE)])
    for key, value in recovery_header:
        other.append([_xlsx_cell(other, "", key), _xlsx_cell(other, key, value)])
    other.append([])
    other.append([_xlsx_cell(other, "", col) for col in RECOVERY_COLUMNS])
    for row in recoveries:
        other.append(
            [_xlsx_cell(other, col, value) for col, value in zip(RECOVERY_COLUMNS, row, strict=True)]
        )
    workbook.save(handle)


def _widths(sheet, widths: Iterable[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _xlsx_cell(sheet, column: str, value: Any) -> WriteOnlyCell:
    """Amounts as numbers with two decimals; account and ID numbers (all text) as text cells."""
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "0.00"
        return cell
    if isinstance(value, int):
        return WriteOnlyCell(sheet, value)
    cell = WriteOnlyCell(sheet, str(value))
    cell.data_type = "s"  # never a formula, never a number
    if column in TEXT_COLUMNS:
        cell.number_format = "@"
    return cell


_WRITERS = {"csv": _write_csv, "xlsx": _write_xlsx}
