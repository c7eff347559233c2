"""The task inbox for social assistance: each role sees the applications waiting for it in its
scope (受理 and 审核 for the town, 入户调查 for the village, 区级审批 for the district), overdue
first, in a constant number of queries."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from minzheng.assistance import inbox as assistance_inbox  # registers the sources
from minzheng.assistance.models import Application, ApplicationStatus, Notice
from minzheng.assistance.services import applications as svc
from minzheng.assistance.services.notices import close_expired_notices
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import create_household, create_region, register_person
from minzheng.workflow.engine import transition
from minzheng.workflow.inbox import inbox_for

S = ApplicationStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
CASES = "assistance.application"


@pytest.fixture(autouse=True)
def _registered():
    assistance_inbox.register()


@pytest.fixture
def clock(monkeypatch):
    def set_now(year, month, day):
        moment = datetime(year, month, day, 10, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_now


@pytest.fixture
def family(cast):
    """A new one-person household in `region` (registered by the admin), returned as (person, household)."""
    seq = iter(range(100, 999))

    def make(name, region):
        person = register_person(
            actor=cast.users.admin,
            id_number=make_id_number("440113", date(1975, 1, 1), next(seq)),
            name=name,
            region=region,
        )
        household = create_household(
            actor=cast.users.admin, region=region, head=person, address="", number="", since=date(2016, 1, 1)
        )
        return person, household

    return make


@pytest.fixture
def village_sq2(cast):
    return create_region(
        actor=None,
        parent=cast.shiqiao,
        level="village",
        code="440113007002",
        name="测试三居委会",
        valid_from=date(2000, 1, 1),
        is_generated=True,
    )


@pytest.fixture
def apply(cast, programs):
    """A 低保 application of (person, household) brought to `status` by the right roles."""

    def make(person, household, status=S.APPLIED, *, relative=False):
        town = (
            cast.users.town_other if household.region.path.startswith(cast.shatou.path) else cast.users.town
        )
        app = svc.submit_application(
            actor=town,
            program="dibao",
            person=person,
            household=household,
            applied_on=timezone.localdate(),
            declared_income=Decimal("300"),
            relative_in_civil_affairs=relative,
            relative_note="表姐在区民政局工作" if relative else "",
        )
        steps = [S.ACCEPTED, S.INVESTIGATED, S.NOTICE, S.DISTRICT_REVIEW]
        for step in steps[: steps.index(status) + 1] if status in steps else []:
            if step == S.ACCEPTED:
                svc.accept_application(app, actor=town)
            elif step == S.INVESTIGATED:
                svc.record_investigation(
                    app,
                    actor=cast.users.district if relative else town,
                    assessed_income=Decimal("300"),
                    result_text="入户核实",
                )
            elif step == S.NOTICE:
                svc.town_review(app, actor=town, approve=True, opinion="符合条件")
            elif step == S.DISTRICT_REVIEW:
                notice = Notice.objects.get(application=app, status="open")
                try:
                    close_expired_notices(today=notice.ends_on + timedelta(days=1))
                except PermissionDenied:  # until the engine accepts the system as the actor
                    transition(app, S.DISTRICT_REVIEW, actor=town, opinion="公示期满无异议")
        app.refresh_from_db()
        assert app.status == status
        return app

    return make


def numbers(box, source=CASES):
    return [item.title.split()[0] for item in box.items if item.source == source]


def test_town_sees_its_towns_applications_waiting_for_the_town_only(cast, apply, family):
    mine = apply(cast.zhang, cast.hh_sq)
    other_town = apply(cast.zhao, cast.hh_st)
    wang = cast.hh_sq2.head
    at_district = apply(wang, cast.hh_sq2, S.DISTRICT_REVIEW)

    town = inbox_for(cast.users.town)
    assert numbers(town) == [mine.number]
    item = town.items[0]
    assert item.url == reverse("assistance:application", args=[mine.pk])
    assert item.status_label == "已申请" and item.region_name == "市桥街道 测试一居委会"
    assert numbers(inbox_for(cast.users.town_other)) == [other_town.number]
    assert numbers(inbox_for(cast.users.district)) == [at_district.number]


def test_village_sees_only_investigations_of_its_own_village(cast, apply, family, village_sq2):
    ours = apply(cast.zhang, cast.hh_sq, S.ACCEPTED)
    neighbour = apply(*family("邻村户主", village_sq2), S.ACCEPTED)
    routed_to_district = apply(*family("亲属申报", cast.village_sq), S.ACCEPTED, relative=True)
    waiting_for_town = apply(cast.hh_sq2.head, cast.hh_sq2)

    assert numbers(inbox_for(cast.users.village)) == [ours.number]
    assert sorted(numbers(inbox_for(cast.users.town))) == sorted(
        [ours.number, neighbour.number, waiting_for_town.number]
    )
    assert numbers(inbox_for(cast.users.district)) == [routed_to_district.number]


def test_a_case_in_public_notice_waits_for_nobody(cast, apply):
    apply(cast.zhang, cast.hh_sq, S.NOTICE)
    for user in (cast.users.village, cast.users.town, cast.users.district):
        assert numbers(inbox_for(user)) == []


def test_overdue_applications_come_first(cast, apply, family, clock):
    clock(2018, 11, 1)
    later = apply(cast.hh_sq2.head, cast.hh_sq2)  # 受理 within 5 working days: 8 Nov
    clock(2018, 9, 28)
    early = apply(cast.zhang, cast.hh_sq)  # 29, 30 Sep (make-up days), 8, 9, 10 Oct
    clock(2018, 10, 31)
    middle = apply(*family("中间户", cast.village_sq))  # 1, 2, 5, 6, 7 Nov
    box = inbox_for(cast.users.town, today=date(2018, 11, 5))
    assert numbers(box) == [early.number, middle.number, later.number]
    assert [item.overdue for item in box.items] == [True, False, False]
    assert [item.due for item in box.items] == [date(2018, 10, 10), date(2018, 11, 7), date(2018, 11, 8)]
    counts = {section.name: (section.total, section.overdue) for section in box.sections}
    assert counts[CASES] == (3, 1)


def test_the_page_costs_the_same_queries_for_one_or_many_cases(
    client, cast, apply, family, django_assert_max_num_queries
):
    client.force_login(cast.users.town)
    apply(cast.zhang, cast.hh_sq)
    with django_assert_max_num_queries(25) as one:
        first = client.get(reverse("workflow:inbox"))
    for name in ("甲一", "甲二", "甲三", "甲四", "甲五", "甲六"):
        apply(*family(name, cast.village_sq))
    with django_assert_max_num_queries(25) as many:
        response = client.get(reverse("workflow:inbox"))
    assert len(many.captured_queries) == len(one.captured_queries)
    assert first.status_code == response.status_code == 200
    body = response.content.decode()
    assert body.count('data-source="assistance.application"') == 7
    assert "甲六" in body and "暂无待办" not in body


def test_the_type_filter_shows_one_kind(client, cast, apply):
    client.force_login(cast.users.town)
    apply(cast.zhang, cast.hh_sq)
    response = client.get(reverse("workflow:inbox"), {"type": "assistance.reviews"})
    body = response.content.decode()
    assert "暂无待办" in body and 'data-count="1"' in body  # the application is counted, not listed
    assert Application.objects.count() == 1
