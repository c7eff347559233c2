"""Approving a children's allowance opens the child's file (children's profile) and pays the
orphan standard from the next month."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from minzheng.assistance.models import ChildProfile, Notice
from minzheng.assistance.services.applications import (
    accept_application,
    district_decide,
    record_investigation,
    submit_application,
    town_review,
)
from minzheng.assistance.services.notices import close_expired_notices
from minzheng.core.months import Month


def test_an_approved_orphan_allowance_opens_the_childs_file(cast, programs):
    child = cast.hh_sq.memberships.get(relation="child").person  # 张小明, born 2010
    application = submit_application(
        actor=cast.users.village,
        program="orphan",
        person=child,
        household=None,
        applied_on=date(2018, 3, 1),
        reason="父母双亡",
        declared_income=Decimal("0"),
    )
    accept_application(application, actor=cast.users.town)
    record_investigation(
        application, actor=cast.users.village, assessed_income=Decimal("0"), result_text="属实"
    )
    town_review(application, actor=cast.users.town, approve=True, opinion="同意公示")
    notice = Notice.objects.get(application=application)
    assert close_expired_notices(today=notice.ends_on + timedelta(days=1)) == 1
    assert not ChildProfile.objects.filter(person=child).exists()
    application.refresh_from_db()
    # Paid from the month after the decision (RULES.md §2): no start month back-dated to the
    # application month (2018-04 here) any more.
    district_decide(application, actor=cast.users.district, approve=True, opinion="同意")
    profile = ChildProfile.objects.get(person=child)
    assert profile.category == "orphan"
    application.refresh_from_db()
    assert application.entitlement.monthly_amount == Decimal("2263.00")
    assert application.entitlement.start_month == (Month.of(timezone.localdate()) + 1).first_day
