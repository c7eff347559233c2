"""run_payroll, export_bank_file and reconcile_payments: thin commands over the services."""

from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from minzheng.accounts.models import User
from minzheng.benefits.management.commands import run_payroll
from minzheng.benefits.models import PayrollRun
from minzheng.benefits.payroll import LOCK_NAMESPACE, approve_run, get_or_create_run
from minzheng.core.jobs import run_job
from minzheng.core.models import AuditLog, Job
from minzheng.core.months import Month

from .test_bank_files import all_paid, built_run, exported_run, grant, read_csv, return_file


def call(*args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# --- run_payroll ----------------------------------------------------------------------------


def test_run_payroll_builds_in_process_and_prints_lines_total_and_job(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao, cast.hh_sq2.head)
    out, _ = call("run_payroll", "--scheme", "nursing", "--month", "2018-01", "--user", "cast_finance")
    run = PayrollRun.objects.get(scheme=schemes.nursing, month="2018-01-01")
    job = Job.objects.get(kind="benefits.build_payroll")
    assert (
        run.job_id == job.pk and job.status == Job.Status.SUCCEEDED and job.started_by == cast.users.finance
    )
    assert run.line_count == 3 and str(run.total_amount) == "600.00"
    assert "3 笔，合计 600.00 元" in out and f"任务 #{job.pk}" in out and "暂缓 1 笔" in out
    # rebuilding is idempotent
    out, _ = call("run_payroll", "--scheme", "nursing", "--month", "2018-01", "--user", "cast_finance")
    run.refresh_from_db()
    assert run.lines.count() == 3 and "3 笔，合计 600.00 元" in out


def test_run_payroll_acts_as_the_first_superuser_by_default(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang)
    call("run_payroll", "--scheme", "nursing", "--month", "2018-01")
    run = PayrollRun.objects.get()
    first = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
    assert run.built_by == first


def test_run_payroll_refuses_without_a_superuser(cast, schemes):
    User.objects.filter(is_superuser=True).update(is_active=False)
    with pytest.raises(CommandError, match="没有可用的系统管理员"):
        call("run_payroll", "--scheme", "nursing", "--month", "2018-01")
    assert not PayrollRun.objects.exists()


@pytest.mark.parametrize(
    "args, reason",
    [
        (["--scheme", "nursing", "--month", "2018-13"], "月份"),
        (["--scheme", "nursing", "--month", "201801"], "格式不正确"),
        (["--scheme", "nope", "--month", "2018-01"], "项目代码“nope”不存在"),
        (["--scheme", "nursing", "--month", "2018-01", "--user", "cast_town"], "不能编制发放批次"),
        (["--scheme", "nursing", "--month", "2018-01", "--user", "ghost"], "用户“ghost”不存在"),
    ],
)
def test_run_payroll_bad_input(cast, schemes, args, reason):
    with pytest.raises(CommandError, match=reason):
        call("run_payroll", *args)
    assert not Job.objects.exists()


def test_run_payroll_refuses_an_approved_run(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang)
    built_run(cast, schemes.nursing, Month(2018, 1))
    with pytest.raises(CommandError, match="已审批.*不能重新编制"):
        call("run_payroll", "--scheme", "nursing", "--month", "2018-01", "--user", "cast_finance")


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_run_payroll_with_a_broker_waits_for_the_worker(cast, schemes, monkeypatch):
    grant(cast, schemes.nursing, cast.zhang)

    def worker_picks_it_up(self, seconds):  # what the Celery worker does meanwhile
        for job in Job.objects.filter(status=Job.Status.PENDING):
            run_job(job.pk)

    monkeypatch.setattr(run_payroll.Command, "sleep", worker_picks_it_up)
    out, _ = call("run_payroll", "--scheme", "nursing", "--month", "2018-01", "--user", "cast_finance")
    assert "已提交后台处理" in out and "[  0%]" in out
    assert "编制 重度残疾人护理补贴 2018-01 发放批次" in out and "1 笔，合计 200.00 元" in out


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_run_payroll_gives_up_after_the_timeout(cast, schemes, monkeypatch):
    grant(cast, schemes.nursing, cast.zhang)
    monkeypatch.setattr(run_payroll.Command, "sleep", lambda self, seconds: None)
    with pytest.raises(CommandError, match="秒内未完成"):
        call("run_payroll", "--scheme", "nursing", "--month", "2018-01", "--timeout", "0")
    assert Job.objects.get().status == Job.Status.PENDING


@contextmanager
def another_process_building(run):
    """PostgreSQL: a second session holds the run's build lock, as a concurrent build would."""
    if connection.vendor != "postgresql":
        pytest.skip("the build lock is a PostgreSQL advisory lock")
    other = connection.get_new_connection(connection.get_connection_params())
    other.autocommit = True
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, run.pk])
        yield
    finally:
        other.close()


@pytest.mark.pg_only
def test_run_payroll_tells_the_loser_of_a_concurrent_build(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang)
    run = get_or_create_run(schemes.nursing, Month(2018, 1), actor=cast.users.finance)
    with another_process_building(run), pytest.raises(CommandError, match="正由其他进程编制"):
        call("run_payroll", "--scheme", "nursing", "--month", "2018-01", "--user", "cast_finance")
    assert not run.lines.exists()


# --- export_bank_file -----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_bank_file_writes_the_file(cast, schemes, tmp_path, suffix):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    run = built_run(cast, schemes.nursing, Month(2018, 1))
    out_file = tmp_path / f"bank.{suffix}"
    out, _ = call("export_bank_file", str(run.pk), str(out_file), "--user", "cast_finance")
    assert "2 笔，合计 400.00 元" in out and "完整银行账号" in out
    assert out_file.exists() and (out_file.stat().st_mode & 0o077) == 0  # owner only
    if suffix == "csv":
        header, lines, _ = read_csv(out_file)
        assert header["合计金额"] == "400.00" and len(lines) == 2
    run.refresh_from_db()
    assert run.status == "exported"
    # the command's own output never shows a full account number
    assert cast.zhang.bank_account.account_number not in out
    out, _ = call("export_bank_file", str(run.pk), str(out_file), "--user", "cast_finance")
    assert "重新下载" in out and AuditLog.objects.filter(action="export_bank_file").count() == 2


@pytest.mark.parametrize(
    "make, args, reason",
    [
        ("draft", ["x.csv"], "草稿"),
        ("approved", ["x.txt"], ".csv 或 .xlsx"),
        ("approved", ["x.csv", "--user", "cast_district"], "不能导出银行文件"),
        ("missing", ["x.csv"], "不存在"),
    ],
)
def test_export_bank_file_bad_input(cast, schemes, tmp_path, make, args, reason):
    grant(cast, schemes.nursing, cast.zhang)
    run = built_run(cast, schemes.nursing, Month(2018, 1), approve=make == "approved")
    run_id = run.pk + 1000 if make == "missing" else run.pk
    with pytest.raises(CommandError, match=reason):
        call("export_bank_file", str(run_id), str(tmp_path / args[0]), *args[1:])
    assert not list(tmp_path.iterdir())


# --- reconcile_payments ---------------------------------------------------------------------


def test_reconcile_payments_reports_paid_and_failed(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    run = exported_run(cast, schemes.nursing, Month(2018, 1), tmp_path)
    failed = run.lines.get(person=cast.zhao).pk
    path = return_file(tmp_path / "ret.csv", all_paid(run, {failed: "账号不存在"}))
    out, err = call("reconcile_payments", str(run.pk), str(path), "--user", "cast_finance")
    assert "成功 1 笔 200.00 元，失败 1 笔 200.00 元" in out and "重发" in out and err == ""
    run.refresh_from_db()
    assert run.status == "reconciled"


def test_reconcile_payments_prints_every_reason_on_stderr_and_fails(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    run = exported_run(cast, schemes.nursing, Month(2018, 1), tmp_path)
    rows = all_paid(run)
    path = return_file(tmp_path / "ret.csv", [rows[0], (999999, "200.00", "成功", "")], total="450")
    err = StringIO()
    with pytest.raises(CommandError, match="未对账，未作任何更改"):
        call_command("reconcile_payments", str(run.pk), str(path), stdout=StringIO(), stderr=err)
    text = err.getvalue()
    assert "明细编号 999999 不在本批次的银行文件中" in text
    assert "合计金额为450.00元" in text and "回盘文件缺少1笔" in text
    run.refresh_from_db()
    assert run.status == "exported" and set(run.lines.values_list("status", flat=True)) == {"pending"}


def test_reconcile_payments_bad_input(cast, schemes, tmp_path):
    grant(cast, schemes.nursing, cast.zhang)
    run = built_run(cast, schemes.nursing, Month(2018, 1), approve=False)
    with pytest.raises(CommandError, match="文件不存在"):
        call("reconcile_payments", str(run.pk), str(tmp_path / "none.csv"))
    path = return_file(tmp_path / "ret.csv", all_paid(run))
    with pytest.raises(CommandError, match="不存在"):
        call("reconcile_payments", str(run.pk + 1000), str(path))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile_payments", str(run.pk), str(path), stdout=StringIO(), stderr=err)
    assert "草稿" in err.getvalue()
    approve_run(run, actor=cast.users.district)
    with pytest.raises(CommandError, match="不能导入回盘文件"):
        call("reconcile_payments", str(run.pk), str(path), "--user", "cast_leader")
