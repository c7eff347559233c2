"""Only the system ends a notice, and payment starts no earlier than the month after approval.

- 公示中 → 待区级审批 is a move no user may make: the notices service makes it when the full
  period has passed without a pending objection (`close_expired_notices`).
- 公示中 → 入户调查 stays, for an upheld objection (`decide_objection`).
- 区级审批 refuses a start month before the month after the decision (RULES.md §2).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from minzheng.assistance.models import APPLICATION_WORKFLOW, ApplicationStatus, Notice
from minzheng.assistance.services import applications as svc
from minzheng.assistance.services.notices import close_expired_notices, decide_objection, record_objection
from minzheng.core.months import Month
from minzheng.workflow.engine import transition
from minzheng.workflow.inbox import inbox_for, waiting_cases

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture
def in_notice(cast, programs):
    application = svc.submit_application(
        actor=cast.users.village,
        program="dibao",
        person=cast.zhang,
        household=cast.hh_sq,
        applied_on=timezone.localdate(),
        reason="夫妻均无固定收入",
        declared_income=Decimal("1200"),
    )
    svc.accept_application(application, actor=cast.users.town)
    svc.record_investigation(
        application, actor=cast.users.village, assessed_income=Decimal("1200"), result_text="入户核实"
    )
    svc.town_review(application, actor=cast.users.town, approve=True, opinion="符合条件")
    application.refresh_from_db()
    assert application.status == S.NOTICE
    return application


def to_district(application):
    notice = Notice.objects.get(application=application, status="open")
    assert close_expired_notices(today=notice.ends_on + timedelta(days=1)) == 1
    application.refresh_from_db()
    assert application.status == S.DISTRICT_REVIEW
    return application


def test_no_role_may_end_a_notice(cast, in_notice):
    assert APPLICATION_WORKFLOW.roles_for(S.NOTICE, S.DISTRICT_REVIEW) == frozenset()
    for user in (cast.users.town, cast.users.district, cast.users.village, cast.users.admin):  # superuser too
        with pytest.raises(PermissionDenied, match="该步骤由系统自动办理"):
            transition(in_notice, S.DISTRICT_REVIEW, actor=user, opinion="公示期满")
        in_notice.refresh_from_db()
        assert in_notice.status == S.NOTICE


def test_the_system_ends_the_notice_after_its_period(cast, in_notice):
    to_district(in_notice)
    step = in_notice.notices.get()
    assert step.status == Notice.Status.CLOSED


def test_a_case_in_notice_waits_for_nobody(cast, in_notice):
    """The notice runs by itself: no user's inbox lists the case while it is in 公示."""
    from minzheng.assistance import inbox as assistance_inbox

    assistance_inbox.register()
    for user in (cast.users.village, cast.users.town, cast.users.district, cast.users.admin):
        waiting = waiting_cases(type(in_notice), user)
        assert waiting is None or not waiting.filter(pk=in_notice.pk).exists()
        assert not any(in_notice.number in item.title for item in inbox_for(user).items)
    to_district(in_notice)  # …and once the system moved it on, the district sees it
    assert any(in_notice.number in item.title for item in inbox_for(cast.users.district).items)


def test_an_upheld_objection_still_sends_the_case_back_to_investigation(cast, in_notice):
    notice = in_notice.notices.get()
    objection = record_objection(notice, actor=cast.users.village, content="该户有经营性收入")
    decide_objection(objection, actor=cast.users.town, upheld=True, opinion="核实有经营收入")
    in_notice.refresh_from_db()
    assert in_notice.status == S.ACCEPTED


def test_the_district_cannot_back_date_the_start_month(cast, in_notice):
    application = to_district(in_notice)
    earliest = Month.of(timezone.localdate()) + 1
    for earlier in (Month.of(application.applied_on), earliest - 1, earliest - 12):
        with pytest.raises(ValidationError) as exc:
            svc.district_decide(
                application, actor=cast.users.district, approve=True, opinion="同意", start_month=earlier
            )
        assert exc.value.message_dict == {
            "start_month": [
                f"发放起始月份不能早于批准的次月（{earliest.year}年{earliest.month}月）：救助金自批准的次月起发放"
            ]
        }
        application.refresh_from_db()
        assert application.status == S.DISTRICT_REVIEW and application.entitlement_id is None
    svc.district_decide(
        application, actor=cast.users.district, approve=True, opinion="同意", start_month=earliest
    )
    application.refresh_from_db()
    assert application.start_month == earliest.first_day and application.decided_on == timezone.localdate()
