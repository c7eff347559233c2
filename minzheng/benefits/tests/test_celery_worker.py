"""The production path of a payroll build: a web process starts the `benefits.build_payroll` job
through Redis, and a real Celery worker builds the run.

Runs on PostgreSQL with REDIS_TEST_URL set (as .ci/run does), with the worker and the starting
process configured by environment as in production (core/tests/test_celery_worker.py). Skipped
on SQLite.
"""

import os
from decimal import Decimal

import pytest
from django.db import connection

from minzheng.benefits.models import PaymentLine
from minzheng.benefits.payroll import get_or_create_run
from minzheng.benefits.services import grant_entitlement
from minzheng.core.models import Job
from minzheng.core.months import Month
from minzheng.core.tests.test_celery_worker import start_job_in_a_web_process, wait_for, worker  # noqa: F401

pytestmark = [
    pytest.mark.skipif(not os.environ.get("REDIS_TEST_URL"), reason="REDIS_TEST_URL not set"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a worker process needs a shared database server"
    ),
]


def test_payroll_build_runs_on_a_real_worker(worker, browser_cast, schemes, cast):  # noqa: F811
    wang = cast.hh_sq2.head  # no bank account: held
    for person in (cast.zhang, cast.zhao, wang):
        grant_entitlement(
            actor=cast.users.district, scheme=schemes.nursing, person=person, start_month=Month(2018, 1)
        )
    run = get_or_create_run(schemes.nursing, Month(2018, 2), actor=cast.users.finance)
    job_id = start_job_in_a_web_process("benefits.build_payroll", "cast_finance", {"run": run.pk})
    job = wait_for(Job.objects.get(pk=job_id), worker)
    assert job.status == Job.Status.SUCCEEDED, job.result
    assert job.progress == 100 and job.started_by == cast.users.finance
    assert job.result["run"] == run.pk and job.result["lines"] == 3 and job.result["total"] == "600.00"
    run.refresh_from_db()
    assert run.job_id == job.pk and run.built_by == cast.users.finance and run.built_at is not None
    assert (run.line_count, run.total_amount) == (3, Decimal("600.00"))
    assert sorted(PaymentLine.objects.filter(run=run).values_list("person__name", "amount", "status")) == [
        ("张三明", Decimal("200.00"), "pending"),
        ("王五", Decimal("200.00"), "held"),
        ("赵六", Decimal("200.00"), "pending"),
    ]
