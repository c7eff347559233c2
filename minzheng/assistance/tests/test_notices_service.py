"""Notices: opening (7 calendar days, public snapshot), expiry to district review, objections."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minzheng.assistance.models import ApplicationStatus, Notice, NoticeObjection
from minzheng.assistance.services.notices import close_expired_notices, decide_objection, record_objection
from minzheng.core.models import AuditLog
from minzheng.workflow.models import TransitionRecord

from .notice_cases import dibao_in_notice, on_day, sensitive_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(cast, programs):
    family = sensitive_household(cast)
    application = dibao_in_notice(cast, family)
    return family, application, application.notices.get()


def test_notice_opens_for_seven_calendar_days_with_the_public_snapshot(case):
    _, application, notice = case
    assert application.status == ApplicationStatus.NOTICE
    assert notice.status == Notice.Status.OPEN
    assert notice.ends_on - notice.published_on == timedelta(days=6)  # 7 days, both included
    assert notice.month == notice.published_on.replace(day=1)
    assert notice.head_name == "陈*伟"
    assert notice.members == 3
    # 900 × 3 − 1000 = 1700, + minor 10 % (90) + severely disabled 150 = 1940.00
    assert notice.monthly_amount == Decimal("1940.00")
    assert notice.village_name == "测试一居委会"
    assert notice.program_name == "最低生活保障"
    assert AuditLog.objects.filter(action="notice_open", object_id=str(notice.pk)).exists()


def test_expiry_moves_the_case_to_district_review(case, monkeypatch):
    _, application, notice = case
    assert close_expired_notices(today=notice.ends_on) == 0  # the last day still runs
    assert close_expired_notices(today=notice.ends_on + timedelta(days=1)) == 1
    application.refresh_from_db()
    notice.refresh_from_db()
    assert application.status == ApplicationStatus.DISTRICT_REVIEW
    assert notice.status == Notice.Status.CLOSED and notice.closed_at is not None
    step = TransitionRecord.objects.filter(case_id=str(application.pk)).latest("id")
    assert (step.from_status, step.to_status, step.actor_id, step.opinion) == (
        "notice",
        "district_review",
        None,
        "公示期满无异议",
    )
    assert close_expired_notices(today=notice.ends_on + timedelta(days=2)) == 0  # nothing twice


def test_a_pending_objection_holds_the_case_in_notice(case, cast):
    _, application, notice = case
    objection = record_objection(
        notice, actor=cast.users.village, content="该户有经营性收入未申报", objector="匿名"
    )
    notice.refresh_from_db()
    assert notice.status == Notice.Status.OBJECTED
    assert objection.outcome == NoticeObjection.Outcome.PENDING and objection.deadline > objection.received_on
    assert close_expired_notices(today=notice.ends_on + timedelta(days=1)) == 0
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NOTICE


def test_upheld_objection_sends_the_case_back_to_investigation(case, cast):
    _, application, notice = case
    objection = record_objection(notice, actor=cast.users.town, content="该户有车辆未申报")
    decide_objection(objection, actor=cast.users.town, upheld=True, opinion="经核实有车辆一辆")
    application.refresh_from_db()
    notice.refresh_from_db()
    objection.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert notice.status == Notice.Status.CLOSED
    assert objection.outcome == NoticeObjection.Outcome.UPHELD and objection.handled_by == cast.users.town
    assert not Notice.objects.filter(application=application).exclude(status=Notice.Status.CLOSED).exists()


def test_dismissed_objection_starts_a_fresh_seven_day_notice(case, cast, monkeypatch):
    _, application, notice = case
    objection = record_objection(notice, actor=cast.users.town, content="怀疑有隐性收入")
    later = notice.published_on + timedelta(days=5)
    with on_day(later, monkeypatch):
        decide_objection(objection, actor=cast.users.town, upheld=False, opinion="经核实无隐性收入")
    notice.refresh_from_db()
    fresh = Notice.objects.filter(application=application).exclude(pk=notice.pk).get()
    assert notice.status == Notice.Status.CLOSED
    assert (fresh.status, fresh.published_on, fresh.ends_on) == (
        Notice.Status.OPEN,
        later,
        later + timedelta(days=6),
    )
    assert (fresh.head_name, fresh.monthly_amount) == (notice.head_name, notice.monthly_amount)
    # the old period's end does not move the case; the fresh one's does
    assert close_expired_notices(today=notice.ends_on + timedelta(days=1)) == 0
    assert close_expired_notices(today=fresh.ends_on + timedelta(days=1)) == 1


def test_out_of_scope_or_wrong_role_cannot_record_or_decide(case, cast):
    _, application, notice = case
    with pytest.raises(PermissionDenied):
        record_objection(notice, actor=cast.users.town_other, content="异议")
    with pytest.raises(PermissionDenied):
        record_objection(notice, actor=cast.users.finance, content="异议")
    objection = record_objection(notice, actor=cast.users.village, content="异议")
    with pytest.raises(PermissionDenied):
        decide_objection(objection, actor=cast.users.village, upheld=True, opinion="成立")
    with pytest.raises(PermissionDenied):
        decide_objection(objection, actor=cast.users.town_other, upheld=False, opinion="不成立")
    assert NoticeObjection.objects.filter(notice=notice).count() == 1


def test_objection_needs_content_and_must_fall_within_the_period(case, cast):
    _, _, notice = case
    with pytest.raises(ValidationError) as empty:
        record_objection(notice, actor=cast.users.town, content="  ")
    assert "content" in empty.value.message_dict
    with pytest.raises(ValidationError) as late:
        record_objection(
            notice, actor=cast.users.town, content="异议", received_on=notice.ends_on + timedelta(days=1)
        )
    assert "received_on" in late.value.message_dict


def test_an_objection_is_decided_once(case, cast):
    _, _, notice = case
    objection = record_objection(notice, actor=cast.users.town, content="异议")
    decide_objection(objection, actor=cast.users.town, upheld=False, opinion="不成立")
    with pytest.raises(ValidationError):
        decide_objection(objection, actor=cast.users.town, upheld=True, opinion="成立")
