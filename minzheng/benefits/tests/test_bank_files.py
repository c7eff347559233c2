"""Bank payment files out, return files in: layout, control totals, masking, all-or-nothing
reconciliation, and failed payments re-issued after the account is corrected."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook, load_workbook

from minzheng.benefits.bank_files import export_bank_file
from minzheng.benefits.bank_returns import reconcile_payments
from minzheng.benefits.models import BankAccount, PaymentLine, PayrollRun
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import grant_entitlement, set_bank_account
from minzheng.core.masking import mask_bank_account
from minzheng.core.models import AuditLog
from minzheng.core.months import Month
from minzheng.registry.services import record_death

# --- helpers (also used by the command and API tests) ---------------------------------------


def grant(cast, scheme, *people, start=None):
    start = start or Month(2018, 1)
    return [
        grant_entitlement(actor=cast.users.district, scheme=scheme, person=p, start_month=start)
        for p in people
    ]


def built_run(cast, scheme, month, *, approve=True):
    run = get_or_create_run(scheme, month, actor=cast.users.finance)
    build_run(run, actor=cast.users.finance)
    if approve:
        approve_run(run, actor=cast.users.district)
    run.refresh_from_db()
    return run


def exported_run(cast, scheme, month, tmp_path):
    run = built_run(cast, scheme, month)
    export_bank_file(run, tmp_path / f"run{run.pk}.csv", actor=cast.users.finance)
    run.refresh_from_db()
    return run


def read_csv(path) -> tuple[dict, list[dict], list[list]]:
    """(header block, bank rows by column, every raw row) of an exported CSV."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    header = {}
    index = 0
    while rows[index]:
        header[rows[index][0]] = rows[index][1]
        index += 1
    columns = rows[index + 1]
    lines = []
    for row in rows[index + 2 :]:
        if not row:
            break
        lines.append(dict(zip(columns, row, strict=True)))
    return header, lines, rows


def return_file(path, rows, *, count=None, total=None, xlsx=False):
    """A bank return file: rows are (line id, amount, result, reason)."""
    count = len(rows) if count is None else count
    total = sum((Decimal(str(r[1])) for r in rows), Decimal("0.00")) if total is None else total
    table = [
        ["笔数", str(count)],
        ["合计金额", f"{Decimal(total):.2f}"],
        [],
        ["明细编号", "账号", "金额", "结果", "失败原因"],
        *[[str(pk), "6222********0000", str(amount), result, reason] for pk, amount, result, reason in rows],
    ]
    if xlsx:
        workbook = Workbook()
        sheet = workbook.active
        for row in table:
            sheet.append(row)
        workbook.save(path)
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(table)
    return path


def all_paid(run, failures=None):
    """Return rows for every line of the run's bank file: paid, except {line id: reason} failed."""
    failures = failures or {}
    return [
        (line.pk, line.amount, "失败" if line.pk in failures else "成功", failures.get(line.pk, ""))
        for line in run.lines.filter(status="pending", amount__gt=0).order_by("pk")
    ]


def snapshot(run):
    run.refresh_from_db()
    return (
        run.status,
        run.reconciled_at,
        sorted(run.lines.values_list("pk", "status", "failure_reason")),
        AuditLog.objects.filter(action="reconcile_payments").count(),
    )


# --- export ---------------------------------------------------------------------------------


def test_csv_layout_control_total_and_full_numbers_only_in_the_file(cast, schemes, tmp_path):
    wang = cast.hh_sq2.head  # no bank account: held, not in the file
    grant(cast, schemes.nursing, cast.zhang, cast.zhao, wang)
    run = built_run(cast, schemes.nursing, Month(2018, 1))
    out = tmp_path / "bank.csv"
    summary = export_bank_file(run, out, actor=cast.users.finance)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    header, lines, _ = read_csv(out)
    assert header == {
        "付款单位": "区民政局",
        "项目": "重度残疾人护理补贴（nursing）",
        "发放月份": "2018-01",
        "批次号": str(run.pk),
        "笔数": "2",
        "合计金额": "400.00",
    }
    assert len(lines) == int(header["笔数"])
    assert sum(Decimal(x["金额"]) for x in lines) == Decimal(header["合计金额"])
    accounts = {a.person_id: a for a in BankAccount.objects.all()}
    for person, row in zip((cast.zhang, cast.zhao), lines, strict=True):
        line = PaymentLine.objects.get(pk=row["明细编号"])
        assert line.person_id == person.pk
        assert row["账号"] == accounts[person.pk].account_number  # full, not masked
        assert row["身份证号码"] == person.id_number
        assert (row["户名"], row["开户银行"]) == (person.name, "农商银行")
        assert (row["金额"], row["所属月份"], row["类别"]) == ("200.00", "2018-01", "正常发放")
    assert summary.lines == 2 and summary.total == Decimal("400.00") and not summary.redownload
    run.refresh_from_db()
    assert run.status == PayrollRun.Status.EXPORTED and run.exported_at is not None
    audit = AuditLog.objects.get(action="export_bank_file")
    assert audit.actor == cast.users.finance and audit.object_id == str(run.pk)
    assert audit.changes["lines"] == 2 and audit.changes["total"] == "400.00"
    # the full numbers are nowhere but in the file: audit rows carry at most the masked form
    every_audit = json.dumps(list(AuditLog.objects.values("changes", "object_repr")), ensure_ascii=False)
    for account in accounts.values():
        assert account.account_number not in every_audit
        assert mask_bank_account(account.account_number) in every_audit  # set_bank_account's row
        assert account.account_number not in str(account)


def test_xlsx_layout_text_columns_and_control_total(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    run = built_run(cast, schemes.nursing, Month(2018, 1))
    out = tmp_path / "bank.xlsx"
    export_bank_file(run, out, actor=cast.users.finance)
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["银行代发", "追回清单"]
    sheet = workbook["银行代发"]
    rows = list(sheet.iter_rows())
    header = {r[0].value: r[1].value for r in rows[:6]}
    assert header["付款单位"] == "区民政局" and header["发放月份"] == "2018-01"
    assert header["批次号"] == run.pk and header["笔数"] == 2
    assert Decimal(str(header["合计金额"])) == Decimal("400.00")
    assert rows[6][0].value is None
    columns = [c.value for c in rows[7]]
    assert columns == ["明细编号", "户名", "账号", "开户银行", "身份证号码", "金额", "所属月份", "类别"]
    lines = rows[8:]
    assert len(lines) == header["笔数"]
    assert sum(Decimal(str(r[5].value)) for r in lines) == Decimal(str(header["合计金额"]))
    for row in lines:
        account, id_cell = row[2], row[4]
        assert account.data_type == "s" and account.number_format == "@"
        assert id_cell.data_type == "s" and id_cell.number_format == "@"
        assert BankAccount.objects.filter(account_number=account.value).exists()
        assert row[5].number_format == "0.00"
    recoveries = list(workbook["追回清单"].iter_rows(values_only=True))
    assert recoveries[0][0].startswith("追回清单") and recoveries[1][:2] == ("笔数", 0)


def test_recoveries_are_listed_apart_and_not_in_the_bank_total(
    cast, schemes, tmp_path, django_capture_on_commit_callbacks
):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    for m in range(1, 4):
        built_run(cast, schemes.nursing, Month(2018, m))
    with django_capture_on_commit_callbacks(execute=True):
        record_death(cast.zhao, actor=cast.users.district, death_date=date(2018, 1, 20))
    april = built_run(cast, schemes.nursing, Month(2018, 4))
    out = tmp_path / "april.csv"
    summary = export_bank_file(april, out, actor=cast.users.finance)
    header, lines, rows = read_csv(out)
    assert [(x["类别"], x["金额"]) for x in lines] == [("正常发放", "200.00")]
    assert header["合计金额"] == "200.00" and header["笔数"] == "1"
    assert summary.recoveries == 2 and summary.recovery_total == Decimal("-400.00")
    start = next(i for i, row in enumerate(rows) if row and row[0].startswith("追回清单"))
    assert rows[start + 1 : start + 3] == [["笔数", "2"], ["合计金额", "-400.00"]]
    assert rows[start + 3] == [] and rows[start - 1] == []
    assert rows[start + 4] == ["明细编号", "姓名", "身份证号码", "金额", "所属月份", "类别"]
    listed = [(r[1], r[2], r[3], r[4], r[5]) for r in rows[start + 5 :]]
    assert listed == [
        ("赵六", cast.zhao.id_number, "-200.00", "2018-02", "追回"),
        ("赵六", cast.zhao.id_number, "-200.00", "2018-03", "追回"),
    ]
    xlsx = tmp_path / "april.xlsx"
    export_bank_file(april, xlsx, actor=cast.users.finance)
    sheet = list(load_workbook(xlsx)["追回清单"].iter_rows(values_only=True))
    assert [r[3] for r in sheet[5:]] == [-200, -200]


def test_redownload_keeps_the_export_time_and_is_audited_again(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang)
    run = exported_run(cast, schemes.nursing, Month(2018, 1), tmp_path)
    first = run.exported_at
    summary = export_bank_file(run, tmp_path / "again.xlsx", actor=cast.users.finance)
    run.refresh_from_db()
    assert summary.redownload and run.exported_at == first and run.status == "exported"
    audits = AuditLog.objects.filter(action="export_bank_file", object_id=str(run.pk))
    assert audits.count() == 2 and {a.changes["redownload"] for a in audits} == {False, True}


def test_a_draft_is_not_exported_and_no_file_is_left(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang)
    run = built_run(cast, schemes.nursing, Month(2018, 1), approve=False)
    out = tmp_path / "draft.csv"
    with pytest.raises(ValidationError) as err:
        export_bank_file(run, out, actor=cast.users.finance)
    assert "草稿" in err.value.messages[0] and not out.exists()
    run.refresh_from_db()
    assert run.status == "draft" and not AuditLog.objects.filter(action="export_bank_file").exists()


def test_export_needs_the_payroll_export_right(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang)
    run = built_run(cast, schemes.nursing, Month(2018, 1))
    for user in (cast.users.district, cast.users.town, cast.users.leader):
        with pytest.raises(PermissionDenied):
            export_bank_file(run, tmp_path / "x.csv", actor=user)
    run.refresh_from_db()
    assert run.status == "approved" and not (tmp_path / "x.csv").exists()


def test_a_reconciled_run_is_not_exported_again(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang)
    run = exported_run(cast, schemes.nursing, Month(2018, 1), tmp_path)
    reconcile_payments(run, return_file(tmp_path / "r.csv", all_paid(run)), actor=cast.users.finance)
    with pytest.raises(ValidationError, match="已对账"):
        export_bank_file(run, tmp_path / "late.csv", actor=cast.users.finance)


def test_unknown_format_is_refused(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang)
    run = built_run(cast, schemes.nursing, Month(2018, 1))
    with pytest.raises(ValueError, match=".csv 或 .xlsx"):
        export_bank_file(run, tmp_path / "bank.txt", actor=cast.users.finance)


# --- reconciliation -------------------------------------------------------------------------


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_reconcile_marks_paid_and_failed_lines(cast, schemes, tmp_path, xlsx):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    run = exported_run(cast, schemes.nursing, Month(2018, 1), tmp_path)
    zhao_line = run.lines.get(person=cast.zhao)
    rows = all_paid(run, {zhao_line.pk: "账户已销户"})
    path = return_file(tmp_path / ("ret.xlsx" if xlsx else "ret.csv"), rows, xlsx=xlsx)
    result = reconcile_payments(run, path, actor=cast.users.finance)
    assert (result.paid, result.paid_total, result.failed, result.failed_total) == (
        1,
        Decimal("200.00"),
        1,
        Decimal("200.00"),
    )
    run.refresh_from_db()
    assert run.status == PayrollRun.Status.RECONCILED and run.reconciled_at is not None
    statuses = {x.person_id: (x.status, x.failure_reason) for x in run.lines.all()}
    assert statuses == {cast.zhang.pk: ("paid", ""), cast.zhao.pk: ("failed", "账户已销户")}
    audit = AuditLog.objects.get(action="reconcile_payments")
    assert audit.changes["paid"] == 1 and audit.changes["failed"] == 1 and audit.actor == cast.users.finance


def test_held_and_recovery_lines_are_not_expected_back(
    cast, schemes, tmp_path, django_capture_on_commit_callbacks
):
    wang = cast.hh_sq2.head
    grant(cast, schemes.nursing, cast.zhang, cast.zhao, wang)
    for m in range(1, 3):
        built_run(cast, schemes.nursing, Month(2018, m))
    with django_capture_on_commit_callbacks(execute=True):
        record_death(cast.zhao, actor=cast.users.district, death_date=date(2018, 1, 20))
    march = exported_run(cast, schemes.nursing, Month(2018, 3), tmp_path)
    assert sorted(march.lines.values_list("kind", "status")) == [
        ("recovery", "pending"),
        ("regular", "held"),
        ("regular", "pending"),
    ]
    reconcile_payments(march, return_file(tmp_path / "r.csv", all_paid(march)), actor=cast.users.finance)
    assert sorted(march.lines.values_list("kind", "status")) == [
        ("recovery", "pending"),  # collected separately
        ("regular", "held"),
        ("regular", "paid"),
    ]


def _bad_files(run):
    rows = all_paid(run)
    (pk1, amount1, _, _), (pk2, amount2, _, _) = rows
    other = PaymentLine.objects.exclude(run=run).values_list("pk", flat=True).first() or 999999
    return {
        "unknown id": (
            [*rows[:1], (other, amount2, "成功", "")],
            {},
            f"明细编号 {other} 不在本批次的银行文件中",
        ),
        "not a number id": ([rows[0], ("abc", amount2, "成功", "")], {}, "明细编号“abc”不是有效的编号"),
        "wrong control total": (
            rows,
            {"total": Decimal("500.00")},
            "合计金额为500.00元，但明细金额合计400.00元",
        ),
        "wrong count": (rows, {"count": 3}, "笔数为3，但明细有2行"),
        "missing line": (rows[:1], {}, f"回盘文件缺少1笔（明细编号 {pk2}）"),
        "duplicate line": ([*rows, rows[1]], {}, f"明细编号 {pk2} 重复（第6行已出现）"),
        "amount mismatch": (
            [rows[0], (pk2, Decimal("150.00"), "成功", "")],
            {},
            f"明细编号 {pk2} 的金额 150.00 与发放金额 200.00 不符",
        ),
        "bad result": ([rows[0], (pk2, amount2, "OK", "")], {}, "结果“OK”应为“成功”或“失败”"),
        "failure without reason": ([rows[0], (pk2, amount2, "失败", "")], {}, "发放失败，但没有填写失败原因"),
        "bad amount": (
            [rows[0], (pk2, "二百", "成功", "")],
            {"total": Decimal("200")},
            "金额“二百”不是有效的金额",
        ),
    }


BAD_CASES = [
    "unknown id",
    "not a number id",
    "wrong control total",
    "wrong count",
    "missing line",
    "duplicate line",
    "amount mismatch",
    "bad result",
    "failure without reason",
    "bad amount",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_a_bad_return_file_is_refused_whole_and_changes_nothing(cast, schemes, tmp_path, case):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    run = exported_run(cast, schemes.nursing, Month(2018, 1), tmp_path)
    rows, options, reason = _bad_files(run)[case]
    before = snapshot(run)
    path = return_file(tmp_path / "bad.csv", rows, **options)
    with pytest.raises(ValidationError) as err:
        reconcile_payments(run, path, actor=cast.users.finance)
    messages = err.value.messages
    assert messages[0] == "回盘文件未通过校验，整份文件未导入，未作任何更改"
    assert any(reason in m for m in messages), messages
    assert snapshot(run) == before
    assert set(run.lines.values_list("status", flat=True)) == {"pending"}


def test_every_reason_is_listed_with_its_row(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    run = exported_run(cast, schemes.nursing, Month(2018, 1), tmp_path)
    (pk1, _, _, _), _ = all_paid(run)
    path = return_file(tmp_path / "bad.csv", [(pk1, "100", "成功", ""), (pk1, "200", "失败", "")], total=0)
    with pytest.raises(ValidationError) as err:
        reconcile_payments(run, path, actor=cast.users.finance)
    text = "\n".join(err.value.messages)
    assert "第5行 明细编号" in text and "第6行 明细编号" in text and "重复" in text
    assert "合计金额为0.00元" in text and "回盘文件缺少1笔" in text


def test_only_an_exported_run_is_reconciled(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang)
    run = built_run(cast, schemes.nursing, Month(2018, 1))
    path = return_file(tmp_path / "r.csv", all_paid(run))
    with pytest.raises(ValidationError, match="只有已导出银行文件"):
        reconcile_payments(run, path, actor=cast.users.finance)
    export_bank_file(run, tmp_path / "b.csv", actor=cast.users.finance)
    run.refresh_from_db()
    with pytest.raises(PermissionDenied):
        reconcile_payments(run, path, actor=cast.users.district)
    reconcile_payments(run, path, actor=cast.users.finance)
    run.refresh_from_db()
    with pytest.raises(ValidationError, match="已对账"):
        reconcile_payments(run, path, actor=cast.users.finance)


def test_unreadable_return_files_are_refused(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang)
    run = exported_run(cast, schemes.nursing, Month(2018, 1), tmp_path)
    no_table = tmp_path / "no_table.csv"
    no_table.write_text("笔数,1\n合计金额,200.00\n", encoding="utf-8")
    no_result = tmp_path / "no_result.csv"
    no_result.write_text(
        f"笔数,1\n合计金额,200.00\n明细编号,金额\n{run.lines.get().pk},200.00\n", encoding="utf-8"
    )
    old_excel = tmp_path / "old.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    for path, reason in [
        (no_table, "没有找到明细表头"),
        (no_result, "表头缺少：结果"),
        (old_excel, "不支持旧版 .xls"),
    ]:
        with pytest.raises(ValidationError, match=reason):
            reconcile_payments(run, path, actor=cast.users.finance)
    assert snapshot(run)[0] == "exported"


def test_a_gb18030_return_file_with_the_headers_echoed_is_read(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang)
    run = exported_run(cast, schemes.nursing, Month(2018, 1), tmp_path)
    line = run.lines.get()
    text = (
        f"付款单位,区民政局\n批次号,{run.pk}\n笔数,1\n合计金额,200\n\n"
        f"明细编号,户名,账号,金额,结果,失败原因\n{line.pk},张三明,6222,200.0,成功,\n"
    )
    path = tmp_path / "gbk.csv"
    path.write_bytes(text.encode("gb18030"))
    result = reconcile_payments(run, path, actor=cast.users.finance)
    assert result.paid == 1


# --- the whole cycle: failure, corrected account, re-issue ----------------------------------


def test_failed_payment_is_reissued_once_after_the_account_is_corrected(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    january = exported_run(cast, schemes.nursing, Month(2018, 1), tmp_path)
    rows = [(pk, amount, "失败", "户名与账号不符") for pk, amount, _, _ in all_paid(january)]
    reconcile_payments(january, return_file(tmp_path / "jan_ret.csv", rows), actor=cast.users.finance)
    failed_zhao = january.lines.get(person=cast.zhao)
    failed_zhang = january.lines.get(person=cast.zhang)
    assert failed_zhao.status == failed_zhang.status == "failed"
    # only 赵六's account is corrected
    set_bank_account(
        actor=cast.users.district,
        person=cast.zhao,
        bank_name="工商银行",
        account_name="赵六",
        account_number="6212260000000000123",
    )
    february = built_run(cast, schemes.nursing, Month(2018, 2), approve=False)

    def reissues():
        return list(
            february.lines.filter(kind="reissue").values_list("person", "month", "amount", "reissue_of")
        )

    expected = [(cast.zhao.pk, date(2018, 1, 1), Decimal("200.00"), failed_zhao.pk)]
    assert reissues() == expected  # 张三明's account was not corrected: nothing re-issued for him
    build_run(february, actor=cast.users.finance)  # rebuilding the draft does not duplicate it
    assert reissues() == expected
    february.refresh_from_db()
    assert february.line_count == 3 and february.total_amount == Decimal("600.00")
    approve_run(february, actor=cast.users.district)
    out = tmp_path / "feb.csv"
    export_bank_file(february, out, actor=cast.users.finance)
    _, lines, _ = read_csv(out)
    reissued = [x for x in lines if x["类别"] == "重发"]
    assert reissued == [
        {
            "明细编号": str(february.lines.get(kind="reissue").pk),
            "户名": "赵六",
            "账号": "6212260000000000123",
            "开户银行": "工商银行",
            "身份证号码": cast.zhao.id_number,
            "金额": "200.00",
            "所属月份": "2018-01",
            "类别": "重发",
        }
    ]
    reconcile_payments(
        february, return_file(tmp_path / "feb_ret.csv", all_paid(february)), actor=cast.users.finance
    )
    march = built_run(cast, schemes.nursing, Month(2018, 3), approve=False)
    assert not march.lines.filter(kind="reissue").exists()  # re-issued once only
