"""The production path of background jobs: a real Celery worker on Redis runs an import job.

Runs on PostgreSQL with REDIS_TEST_URL set (as .ci/run does): the worker is a separate process,
so it needs a database server it can share with the test. Skipped on SQLite. Both the process
that starts the job and the worker are configured the way production is: by environment.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from minzheng.core.datasets import import_upload_dir
from minzheng.core.models import Job
from minzheng.registry.models import Person

REDIS_URL = os.environ.get("REDIS_TEST_URL")
ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.skipif(not REDIS_URL, reason="REDIS_TEST_URL not set"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a worker process needs a shared database server"
    ),
]


def broker_env() -> dict:
    """The environment of a production process on the test database, with the broker configured."""
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    url = f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": REDIS_URL, "MINZHENG_TESTING": "1"}


def start_job_in_a_web_process(kind: str, username: str, params: dict) -> int:
    """Start a job the way a web process with a broker does: core.jobs.start_job → Redis."""
    code = (
        "import json, os; from minzheng.core.jobs import start_job; from minzheng.accounts.models import User; "
        f"print(start_job({kind!r}, actor=User.objects.get(username={username!r}), "
        "params=json.loads(os.environ['MZ_JOB_PARAMS'])).pk)"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**broker_env(), "MZ_JOB_PARAMS": json.dumps(params)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def worker(transactional_db):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "minzheng",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=broker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(job: Job, worker, seconds: int = 90) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.5)
    worker.terminate()
    pytest.fail(
        f"the worker did not finish the job in {seconds} s:\n" + worker.communicate()[0].decode()[-3000:]
    )


def test_import_job_runs_on_a_real_worker(worker, browser_cast):
    folder = import_upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "worker-test.csv").write_text(
        "身份证号码,姓名,户籍村居代码\n11010519491231002X,冯十一,440113007001\n", encoding="utf-8"
    )
    params = {"dataset": "persons", "path": "worker-test.csv", "filename": "worker-test.csv"}
    job = wait_for(Job.objects.get(pk=start_job_in_a_web_process("import_data", "cast_town", params)), worker)
    assert job.status == Job.Status.SUCCEEDED, job.result
    assert job.progress == 100 and job.result["created"] == 1
    assert Person.objects.filter(name="冯十一", region__code="440113007001").exists()
