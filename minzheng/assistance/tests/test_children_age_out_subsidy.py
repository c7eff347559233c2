"""The 18th birthday also ends the 困境儿童 monthly subsidy (after the birthday month, no follow-up
task), and the age-out is set-based: the number of queries does not grow with the children."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minzheng.assistance.models import FollowUpTask
from minzheng.assistance.services.children import age_out_children
from minzheng.benefits.models import AmountPeriod, Entitlement
from minzheng.benefits.services import grant_entitlement
from minzheng.core.audit import AuditLog
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import register_person


@pytest.fixture
def grant(cast, programs):
    seq = iter(range(200, 400))

    def make(scheme_code: str, born: date, name: str = "刘小雨") -> Entitlement:
        person = register_person(
            actor=cast.users.admin,
            id_number=make_id_number("440113", born, next(seq)),
            name=name,
            region=cast.village_sq,
        )
        return grant_entitlement(
            actor=cast.users.district,
            scheme=getattr(programs, scheme_code),
            person=person,
            start_month=Month(2018, 1),
        )

    return make


def test_the_subsidy_ends_after_the_birthday_month_without_a_task(cast, grant):
    subsidy = grant("children_subsidy", date(2000, 5, 10))
    younger = grant("children_subsidy", date(2001, 5, 10), name="刘小风")

    assert age_out_children(today=date(2018, 5, 9)) == 0  # the day before the 18th birthday
    subsidy.refresh_from_db()
    assert subsidy.status == Entitlement.Status.ACTIVE and subsidy.end_month is None

    assert age_out_children(today=date(2018, 5, 10)) == 1
    subsidy.refresh_from_db()
    assert subsidy.status == Entitlement.Status.ENDED
    assert subsidy.end_month == date(2018, 5, 1)
    assert subsidy.end_reason == "年满18周岁"
    assert not AmountPeriod.objects.filter(entitlement=subsidy, from_month__gt=date(2018, 5, 1)).exists()
    assert AuditLog.objects.filter(action="end_entitlement", object_id=str(subsidy.pk)).count() == 1
    assert not FollowUpTask.objects.exists()  # only orphans get a placement task
    younger.refresh_from_db()
    assert younger.status == Entitlement.Status.ACTIVE


def test_a_late_run_still_ends_after_the_birthday_month_and_reruns_change_nothing(cast, grant):
    subsidy = grant("children_subsidy", date(2000, 3, 20))
    assert age_out_children(today=date(2018, 7, 1)) == 1
    subsidy.refresh_from_db()
    assert subsidy.end_month == date(2018, 3, 1)

    audits = AuditLog.objects.count()
    assert age_out_children(today=date(2018, 7, 2)) == 0
    assert AuditLog.objects.count() == audits


def test_one_run_ends_every_scheme_grouped_by_month_with_one_task_per_orphan(cast, grant):
    may_orphan = grant("orphan", date(2000, 5, 10), name="陈孤儿")
    may_subsidy = grant("children_subsidy", date(2000, 5, 2))
    march_unsupported = grant("unsupported_child", date(2000, 3, 7), name="林小妹")
    june_subsidy = grant("children_subsidy", date(2000, 6, 30))  # not 18 yet on the run day

    assert age_out_children(today=date(2018, 6, 1)) == 3
    ended = {e.pk: e for e in Entitlement.objects.filter(status=Entitlement.Status.ENDED)}
    assert set(ended) == {may_orphan.pk, may_subsidy.pk, march_unsupported.pk}
    assert ended[may_orphan.pk].end_month == date(2018, 5, 1)
    assert ended[may_subsidy.pk].end_month == date(2018, 5, 1)
    assert ended[march_unsupported.pk].end_month == date(2018, 3, 1)
    june_subsidy.refresh_from_db()
    assert june_subsidy.status == Entitlement.Status.ACTIVE

    tasks = FollowUpTask.objects.order_by("person_id")
    assert [(t.person_id, t.entitlement_id) for t in tasks] == sorted(
        [(may_orphan.person_id, may_orphan.pk), (march_unsupported.person_id, march_unsupported.pk)]
    )
    assert all(t.region == cast.shiqiao and t.status == FollowUpTask.Status.OPEN for t in tasks)
    assert "陈**" in tasks.get(person_id=may_orphan.person_id).title
    for task in tasks:
        audit = AuditLog.objects.get(action="open_follow_up", object_id=str(task.pk))
        assert audit.object_repr == task.title
        assert audit.changes["entitlement"] == task.entitlement_id

    assert age_out_children(today=date(2018, 6, 2)) == 0
    assert FollowUpTask.objects.count() == 2


def _queries_to_age_out(today: date) -> int:
    with CaptureQueriesContext(connection) as queries:
        age_out_children(today=today)
    return len(queries)


def test_the_queries_do_not_grow_with_the_number_of_children(cast, grant):
    grant("orphan", date(2000, 5, 10))
    grant("children_subsidy", date(2000, 5, 11))
    few = _queries_to_age_out(date(2018, 5, 31))

    for day in range(1, 5):
        grant("orphan", date(2000, 6, day))
        grant("children_subsidy", date(2000, 6, day + 10))
        grant("unsupported_child", date(2000, 6, day + 20))
    many = _queries_to_age_out(date(2018, 6, 30))

    assert Entitlement.objects.filter(status=Entitlement.Status.ENDED).count() == 2 + 12
    assert FollowUpTask.objects.count() == 1 + 8
    assert many == few
