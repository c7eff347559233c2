"""Two processes build the same run at the same time: one set of lines, and a clear message for
the loser (PostgreSQL: `build_run` holds a session advisory lock for the run while it builds).

The builders are separate Python processes on the test database. They meet at a start barrier
(each writes a "ready" file and waits for a "go" file), so both ask for the lock within a few
milliseconds of each other; the winner's build is slowed (small chunks, a pause at every progress
step) so that it still holds the lock when the loser asks. Skipped on SQLite, whose test database
lives in the test process's memory.
"""

import json
import os
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from minzheng.benefits.models import PaymentLine, PayrollRun
from minzheng.benefits.payroll import get_or_create_run
from minzheng.benefits.services import grant_entitlement, set_bank_account
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import register_person

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="builder processes need a shared database server"
)

# Run in a child: build the run MZ_RUN as cast_finance with chunks of MZ_CHUNK entitlement ids,
# pausing MZ_DELAY seconds at every progress step; print the outcome as one JSON line.
BUILDER = """
import json, os, time
import django
django.setup()
from minzheng.accounts.models import User
from minzheng.benefits import payroll
from minzheng.benefits.models import PayrollRun

payroll.CHUNK = int(os.environ["MZ_CHUNK"])
delay = float(os.environ["MZ_DELAY"])
run = PayrollRun.objects.select_related("scheme").get(pk=int(os.environ["MZ_RUN"]))
actor = User.objects.get(username="cast_finance")
if os.environ.get("MZ_READY"):
    open(os.environ["MZ_READY"], "w").close()
    while not os.path.exists(os.environ["MZ_GO"]):
        time.sleep(0.005)
try:
    run = payroll.build_run(run, actor=actor, progress=lambda percent, message="": time.sleep(delay))
except payroll.PayrollBusy as exc:
    print(json.dumps({"outcome": "busy", "message": str(exc)}, ensure_ascii=False), flush=True)
else:
    print(json.dumps({"outcome": "built", "lines": run.line_count, "total": str(run.total_amount)}), flush=True)
"""


def database_env() -> dict:
    """The environment of a process working on the test database."""
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    url = f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "MINZHENG_TESTING": "1"}
    env.pop("CELERY_BROKER_URL", None)
    env.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.test_settings")
    return env


def start_builder(run: PayrollRun, *, chunk: int, delay: float, ready=None, go=None) -> subprocess.Popen:
    env = {**database_env(), "MZ_RUN": str(run.pk), "MZ_CHUNK": str(chunk), "MZ_DELAY": str(delay)}
    if ready:
        env.update(MZ_READY=str(ready), MZ_GO=str(go))
    return subprocess.Popen(
        [sys.executable, "-c", BUILDER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def outcome(process: subprocess.Popen, timeout: float = 120) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def recipients(cast, count: int, *, without_account: int = 0) -> list:
    """`count` persons in the cast's villages, registered through the register's service; all but
    the last `without_account` get a bank account."""
    people = []
    villages = (cast.village_sq, cast.village_st)
    for index in range(count):
        person = register_person(
            actor=cast.users.admin,
            id_number=make_id_number(
                "440113", date(1950 + index % 40, 1 + index % 12, 1 + index % 28), 500 + index
            ),
            name="测试" + "".join("零一二三四五六七八九"[int(d)] for d in f"{index:03d}"),
            region=villages[index % 2],
        )
        if index < count - without_account:
            set_bank_account(
                actor=cast.users.district,
                person=person,
                bank_name="农商银行",
                account_name=person.name,
                account_number=f"62220299{person.pk:010d}",
            )
        people.append(person)
    return people


def grant_all(cast, scheme, people, start=None) -> list:
    start = start or Month(2018, 1)
    return [
        grant_entitlement(actor=cast.users.district, scheme=scheme, person=p, start_month=start)
        for p in people
    ]


def duplicate_regular_lines(month: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT entitlement_id FROM benefits_paymentline "
            "WHERE kind = 'regular' AND month = %s GROUP BY entitlement_id HAVING COUNT(*) > 1) d",
            [month],
        )
        return cursor.fetchone()[0]


def test_two_processes_building_the_same_run_make_one_set_of_lines(browser_cast, schemes, cast, tmp_path):
    people = recipients(cast, 40, without_account=4)
    grant_all(cast, schemes.nursing, people)
    run = get_or_create_run(schemes.nursing, Month(2018, 3), actor=cast.users.finance)
    ready = [tmp_path / "ready1", tmp_path / "ready2"]
    go = tmp_path / "go"
    builders = [start_builder(run, chunk=5, delay=0.25, ready=r, go=go) for r in ready]
    try:
        deadline = time.monotonic() + 90
        while not all(r.exists() for r in ready):
            assert time.monotonic() < deadline, "the builders did not start"
            assert all(b.poll() is None for b in builders), builders[0].communicate()[1][-3000:]
            time.sleep(0.05)
        go.touch()
        results = sorted((outcome(b) for b in builders), key=lambda r: r["outcome"])
    finally:
        for builder in builders:
            if builder.poll() is None:
                builder.kill()
                builder.wait()
    assert [r["outcome"] for r in results] == ["built", "busy"]
    assert results[0] == {"outcome": "built", "lines": 40, "total": "8000.00"}
    assert "正由其他进程编制" in results[1]["message"] and "请稍后" in results[1]["message"]
    run.refresh_from_db()
    assert run.line_count == 40 and run.total_amount == Decimal("8000.00") and run.built_at is not None
    lines = PaymentLine.objects.filter(run=run)
    assert lines.count() == 40 and lines.values("entitlement").distinct().count() == 40
    assert lines.filter(status="held").count() == 4
    assert PaymentLine.objects.count() == 40  # nothing anywhere else either
    assert duplicate_regular_lines(date(2018, 3, 1)) == 0


def test_a_build_after_the_winner_finished_is_an_idempotent_rebuild(browser_cast, schemes, cast):
    people = recipients(cast, 6)
    grant_all(cast, schemes.nursing, people)
    run = get_or_create_run(schemes.nursing, Month(2018, 3), actor=cast.users.finance)
    first = outcome(start_builder(run, chunk=2, delay=0))
    before = sorted(PaymentLine.objects.values_list("entitlement_id", "month", "kind", "amount", "status"))
    second = outcome(start_builder(run, chunk=4, delay=0))
    assert first == second == {"outcome": "built", "lines": 6, "total": "1200.00"}
    after = sorted(PaymentLine.objects.values_list("entitlement_id", "month", "kind", "amount", "status"))
    assert after == before and len(after) == 6
