"""The 18th birthday: the orphan / unsupported-child allowance ends after the birthday month and
exactly one 成年孤儿安置 task is opened for the town; re-running changes nothing."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from minzheng.assistance.models import FollowUpTask
from minzheng.assistance.services.children import age_out_children, complete_follow_up
from minzheng.benefits import payroll
from minzheng.benefits.models import AmountPeriod, Entitlement, PaymentLine
from minzheng.benefits.services import grant_entitlement
from minzheng.core.audit import AuditLog
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import register_person


def _child(cast, seq, name, born, region=None):
    return register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", born, seq),
        name=name,
        region=region or cast.village_sq,
    )


@pytest.fixture
def orphan(cast, programs):
    person = _child(cast, 101, "陈孤儿", date(2000, 5, 10))
    return grant_entitlement(
        actor=cast.users.district, scheme=programs.orphan, person=person, start_month=Month(2018, 1)
    )


def test_allowance_runs_until_the_birthday_month(cast, programs, orphan):
    young = _child(cast, 103, "林小妹", date(2006, 5, 10))
    other = grant_entitlement(
        actor=cast.users.district, scheme=programs.unsupported_child, person=young, start_month=Month(2018, 1)
    )

    assert age_out_children(today=date(2018, 5, 9)) == 0  # not yet 18
    assert FollowUpTask.objects.count() == 0

    assert age_out_children(today=date(2018, 5, 10)) == 1
    orphan.refresh_from_db()
    assert orphan.status == Entitlement.Status.ENDED
    assert orphan.end_month == date(2018, 5, 1)
    assert orphan.end_reason == "年满18周岁"
    assert not AmountPeriod.objects.filter(entitlement=orphan, from_month__gt=date(2018, 5, 1)).exists()
    other.refresh_from_db()
    assert other.status == Entitlement.Status.ACTIVE and other.end_month is None

    for month in (Month(2018, 5), Month(2018, 6)):
        run = payroll.get_or_create_run(programs.orphan, month, actor=cast.users.finance)
        payroll.build_run(run, actor=cast.users.finance)
    lines = PaymentLine.objects.filter(entitlement=orphan)
    assert [(line.month, line.amount) for line in lines] == [(date(2018, 5, 1), 2263)]


def test_exactly_one_task_for_the_town_and_reruns_change_nothing(cast, programs, orphan):
    assert age_out_children(today=date(2018, 6, 1)) == 1
    assert age_out_children(today=date(2018, 6, 2)) == 0
    call_command("children_age_out", "--date", "2018-07-01", stdout=open("/dev/null", "w"))

    task = FollowUpTask.objects.get()
    assert task.kind == FollowUpTask.Kind.ADULT_ORPHAN
    assert task.person_id == orphan.person_id and task.entitlement_id == orphan.pk
    assert task.region == cast.shiqiao  # the town, not the village
    assert task.status == FollowUpTask.Status.OPEN
    assert task.due_on > date(2018, 6, 1)
    assert "陈**" in task.title and "陈孤儿" not in task.title  # the inbox shows titles: masked
    assert task.get_absolute_url() == f"/assistance/children/tasks/{task.pk}/"
    assert AuditLog.objects.filter(action="open_follow_up", object_id=str(task.pk)).count() == 1
    orphan.refresh_from_db()
    assert orphan.end_month == date(2018, 5, 1)  # ended after the birthday month, not the run date


def test_the_task_is_unique_per_person_in_the_database(cast, programs, orphan):
    from django.db import IntegrityError, transaction

    age_out_children(today=date(2018, 6, 1))
    task = FollowUpTask.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpTask.objects.create(
            kind=task.kind, title="重复", person=task.person, region=task.region, due_on=task.due_on
        )


def test_completing_the_task(cast, programs, orphan):
    age_out_children(today=date(2018, 6, 1))
    task = FollowUpTask.objects.get()
    with pytest.raises(PermissionDenied):
        complete_follow_up(task, actor=cast.users.town_other, outcome="已安置")
    with pytest.raises(ValidationError) as error:
        complete_follow_up(task, actor=cast.users.town, outcome="  ")
    assert "outcome" in error.value.message_dict

    complete_follow_up(task, actor=cast.users.town, outcome="已落实公租房，纳入低保")
    task.refresh_from_db()
    assert task.status == FollowUpTask.Status.DONE and task.done_by == cast.users.town and task.done_at
    with pytest.raises(ValidationError):
        complete_follow_up(task, actor=cast.users.town, outcome="再次办结")
