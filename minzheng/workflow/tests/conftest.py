from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from minzheng.workflow.engine import start_case, transition

from .demo import EFFECTS, PATHS, DemoCase

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="session")
def demo_table(django_db_setup, django_db_blocker):
    """The test-only DemoCase table, made outside any test transaction (SQLite and PostgreSQL)."""
    with django_db_blocker.unblock():
        if DemoCase._meta.db_table not in connection.introspection.table_names():
            with connection.schema_editor() as editor:
                editor.create_model(DemoCase)
    yield
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.delete_model(DemoCase)


@pytest.fixture
def demo(cast, demo_table):
    """Make DemoCases in 市桥's test community, in any status, through the real services."""
    EFFECTS.clear()
    opinions = {"refused": "收入超过标准", "returned": "请补交收入证明"}
    movers = {
        "accepted": cast.users.town,
        "refused": cast.users.town,
        "approved": cast.users.district,
        "returned": cast.users.district,
    }

    def make(status="applied", *, region=None, name="演示申请"):
        case = start_case(DemoCase(name=name, region=region or cast.village_sq), actor=cast.users.village)
        for step in PATHS[status]:
            actor = cast.users.district if case.status == "accepted" else movers[step]
            transition(case, step, actor=actor, opinion=opinions.get(step, ""))
        return case

    return make


@pytest.fixture
def clock(monkeypatch):
    """Set "now" to a given local date and time in Asia/Shanghai."""

    def set_now(year, month, day, hour=10):
        moment = datetime(year, month, day, hour, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_now
