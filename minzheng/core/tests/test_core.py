from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from minzheng.core.jobs import job_handler, job_progress, run_job, start_job
from minzheng.core.masking import mask_bank_account, mask_id_number, mask_name, mask_phone
from minzheng.core.models import CalendarDay, Job
from minzheng.core.money import quantize_money, to_wan_yuan
from minzheng.core.workdays import add_working_days, is_working_day, working_days_between


def test_masks_match_the_rules():
    assert mask_id_number("44011319600501123X") == "440113********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_bank_account("6222021234567890123") == "6222***********0123"
    assert mask_name("张三明") == "张*明" and mask_name("王五") == "王*" and mask_name("欧阳小明") == "欧**明"


def test_money_rounds_half_up_and_refuses_floats():
    assert quantize_money(Decimal("1.005")) == Decimal("1.01")
    assert quantize_money("2.675") == Decimal("2.68")
    assert to_wan_yuan(Decimal("13667300.50")) == Decimal("1366.73")
    assert to_wan_yuan(Decimal("45000")) == Decimal("4.50")
    with pytest.raises(TypeError):
        quantize_money(1.5)


def test_working_days_know_holidays_and_make_up_days(db):
    # 2018-09-29 (Sat) and 09-30 (Sun) were make-up working days; 10-01..10-07 the National Day holiday.
    assert is_working_day(date(2018, 9, 29)) and is_working_day(date(2018, 9, 30))
    assert not is_working_day(date(2018, 10, 3))
    # from Fri 2018-09-28: 09-29, 09-30, then 10-08 is the third working day
    assert add_working_days(date(2018, 9, 28), 3) == date(2018, 10, 8)
    assert working_days_between(date(2018, 9, 28), date(2018, 10, 8)) == 3


def test_calendar_entries_cover_years_the_library_does_not_know(db):
    assert is_working_day(date(2027, 1, 4))  # a Monday; the library stops at 2026
    CalendarDay.objects.create(date=date(2027, 1, 4), is_working_day=False, note="元旦调休")
    assert not is_working_day(date(2027, 1, 4))
    assert add_working_days(date(2027, 1, 1), 1) == date(2027, 1, 5)


@job_handler("test.count")
def _count_job(job):
    job_progress(job, 50, "一半")
    return {"counted": job.params["n"]}


@job_handler("test.fail")
def _failing_job(job):
    raise ValueError("坏数据")


def test_job_runs_once_and_records_progress(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job("test.count", actor=None, params={"n": 3})
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.progress == 100 and job.result == {"counted": 3}
    assert "一半" in job.log
    assert run_job(job.pk).result == {"counted": 3}  # a second delivery does nothing


def test_failed_job_keeps_the_reason(db):
    job = Job.objects.create(kind="test.fail")
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "坏数据" in job.result["error"] and "坏数据" in job.log


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_reports_a_dead_database(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("down")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken)
        status = client.get("/healthz").status_code
    assert status == 503


def test_root_redirects_to_the_back_office(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/")


def test_security_headers(client, db):
    response = client.get("/admin/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_job_page_links_to_what_the_job_made(client, cast):
    job = Job.objects.create(
        kind="test.count",
        started_by=cast.users.finance,
        status=Job.Status.SUCCEEDED,
        progress=100,
        result={"url": "/benefits/runs/1/", "url_label": "查看发放批次"},
    )
    client.force_login(cast.users.finance)
    body = client.get(f"/backoffice/jobs/{job.pk}/").content.decode()
    assert 'id="job-result-link" href="/benefits/runs/1/"' in body and "查看发放批次" in body
    assert 'hx-trigger="every 1s"' not in body  # a finished job stops polling
