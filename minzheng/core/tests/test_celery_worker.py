"""The production path of background jobs: a real Celery worker on Redis runs an import job.

Runs on PostgreSQL with REDIS_TEST_URL set (as .ci/run does): the worker is a separate process,
so it needs a database server it can share with the test. Skipped on SQLite.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from minzheng import celery_app
from minzheng.core.datasets import import_upload_dir
from minzheng.core.jobs import start_job
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


@pytest.fixture
def worker(transactional_db):
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": REDIS_URL, "MINZHENG_TESTING": "1"}
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
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    old = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    try:
        yield process
    finally:
        celery_app.conf.update(old)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_import_job_runs_on_a_real_worker(worker, browser_cast):
    from minzheng.accounts.models import User

    town = User.objects.get(username="cast_town")
    folder = import_upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "worker-test.csv").write_text(
        "身份证号码,姓名,户籍村居代码\n11010519491231002X,冯十一,440113007001\n", encoding="utf-8"
    )
    job = start_job(
        "import_data",
        actor=town,
        params={"dataset": "persons", "path": "worker-test.csv", "filename": "worker-test.csv"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.5)
    else:
        worker.terminate()
        pytest.fail("the worker did not finish the job in 60 s:\n" + worker.communicate()[0].decode()[-3000:])
    assert job.status == Job.Status.SUCCEEDED, job.result
    assert job.progress == 100 and job.result["created"] == 1
    assert Person.objects.filter(name="冯十一", region__code="440113007001").exists()
