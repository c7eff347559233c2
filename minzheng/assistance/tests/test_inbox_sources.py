"""The task inbox with real rows of every social-assistance source besides applications: reviews
due (village and town), 成年孤儿安置 follow-up tasks (town and district), overdue left-behind
visits (village and town) and pending notice objections (town and district). Each item shows to
the right role in its scope and to nobody else, and leaves the inbox once the work is done.
All rows are created through the services."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from minzheng.assistance import inbox as assistance_inbox
from minzheng.assistance.models import FollowUpTask, Review, ReviewStatus
from minzheng.assistance.services.children import (
    age_out_children,
    complete_follow_up,
    record_care_visit,
    register_left_behind,
)
from minzheng.assistance.services.notices import decide_objection, record_objection
from minzheng.assistance.services.reviews import complete_review, schedule_reviews
from minzheng.benefits.services import grant_entitlement
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import register_person
from minzheng.workflow.inbox import inbox_for

from .notice_cases import dibao_in_notice, sensitive_household
from .reviews_payroll import grant_dibao

pytestmark = pytest.mark.django_db

REVIEWS = "assistance.reviews"
FOLLOW_UPS = "assistance.follow_ups"
VISITS = "assistance.left_behind_visits"
OBJECTIONS = "assistance.objections"
SOURCES = (REVIEWS, FOLLOW_UPS, VISITS, OBJECTIONS)
ROLES = ("village", "town", "town_other", "district", "finance", "leader")


@pytest.fixture(autouse=True)
def _registered():
    assistance_inbox.register()


def child(cast, seq, name, born, region):
    return register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", born, seq),
        name=name,
        region=region,
    )


@pytest.fixture
def reviews(cast, programs):
    """低保 of 张三明's household (测试一居委会, 市桥) and of 赵六's (沙头), reviews due in 2018."""
    grant_dibao(cast, programs, household=cast.hh_sq)
    grant_dibao(cast, programs, household=cast.hh_st, income="300")
    assert schedule_reviews(today=date(2018, 3, 1)) == 2
    return {
        "sq": Review.objects.get(household=cast.hh_sq, status=ReviewStatus.DUE),
        "st": Review.objects.get(household=cast.hh_st, status=ReviewStatus.DUE),
    }


@pytest.fixture
def follow_ups(cast, programs):
    """Two orphans turning 18 in May 2018, one in each town: one task each, for the town."""
    for seq, name, region in ((101, "陈孤儿", cast.village_sq), (102, "黄孤儿", cast.village_st)):
        grant_entitlement(
            actor=cast.users.district,
            scheme=programs.orphan,
            person=child(cast, seq, name, date(2000, 5, 10), region),
            start_month=Month(2018, 1),
        )
    assert age_out_children(today=date(2018, 5, 10)) == 2
    return {
        "sq": FollowUpTask.objects.get(region=cast.shiqiao),
        "st": FollowUpTask.objects.get(region=cast.shatou),
    }


@pytest.fixture
def left_behind(cast):
    """A high-risk left-behind child in each town, registered on 31 January 2018 (visit due monthly)."""

    def register(seq, name, region, actor):
        return register_left_behind(
            actor=actor,
            person=child(cast, seq, name, date(2010, 3, 3), region),
            parents_away="both",
            parents_whereabouts="父母均在东莞务工",
            guardian_name="陈奶奶",
            guardian_relation="grandparent",
            risk_level="high",
            registered_on=date(2018, 1, 31),
        )

    return {
        "sq": register(201, "林留守", cast.village_sq, cast.users.village),
        "st": register(202, "何留守", cast.village_st, cast.users.town_other),
    }


@pytest.fixture
def objection(cast, programs):
    """A pending objection to a 低保 notice in 测试一居委会, recorded by the village assistant."""
    application = dibao_in_notice(cast, sensitive_household(cast))
    return record_objection(
        application.notices.get(), actor=cast.users.village, content="该户有一辆小汽车未申报", objector="村民"
    )


def titles(user) -> dict[str, list[str]]:
    """Source name → titles of its items, for the sources that concern the user's role at all."""
    box = inbox_for(user)
    found = {section.name: [] for section in box.sections if section.name in SOURCES}
    for item in box.items:
        if item.source in found:
            found[item.source].append(item.title)
    return found


def items_of(user, source):
    return [item for item in inbox_for(user).items if item.source == source]


def test_reviews_due_show_to_the_village_and_the_town_in_scope(cast, reviews):
    zhang = f"最低生活保障：{cast.hh_sq.head.name}"
    zhao = f"最低生活保障：{cast.hh_st.head.name}"
    assert titles(cast.users.village)[REVIEWS] == [zhang]
    assert titles(cast.users.town)[REVIEWS] == [zhang]
    assert titles(cast.users.town_other)[REVIEWS] == [zhao]
    for role in ("district", "finance", "leader"):
        assert REVIEWS not in titles(getattr(cast.users, role))  # not their work
    (item,) = items_of(cast.users.town, REVIEWS)
    assert item.overdue and item.due == reviews["sq"].due_on
    assert item.type_label == "定期复核" and item.region_name == "市桥街道 测试一居委会"
    assert str(reviews["sq"].pk) in item.url


def test_a_completed_review_leaves_the_inbox(cast, reviews):
    complete_review(reviews["sq"], actor=cast.users.town, outcome="continue", findings="入户核查，情况无变化")
    assert titles(cast.users.town)[REVIEWS] == []
    assert titles(cast.users.village)[REVIEWS] == []
    next_review = Review.objects.get(household=cast.hh_sq, status=ReviewStatus.DUE)
    assert next_review.due_on > timezone.localdate() + timedelta(days=assistance_inbox.REVIEW_HORIZON_DAYS)
    assert titles(cast.users.town_other)[REVIEWS] == [f"最低生活保障：{cast.hh_st.head.name}"]


def test_a_review_shows_only_within_the_horizon(cast, programs):
    today = timezone.localdate()
    grant_dibao(cast, programs, household=cast.hh_sq, start=Month.of(today))
    schedule_reviews(today=today)
    review = Review.objects.get(household=cast.hh_sq, status=ReviewStatus.DUE)
    assert review.due_on > today + timedelta(days=assistance_inbox.REVIEW_HORIZON_DAYS)
    assert titles(cast.users.town)[REVIEWS] == []
    later = inbox_for(cast.users.town, today=review.due_on - timedelta(days=10))
    assert [item.title for item in later.items if item.source == REVIEWS] == [
        f"最低生活保障：{cast.hh_sq.head.name}"
    ]


def test_follow_up_tasks_show_to_their_town_and_the_district(cast, follow_ups):
    sq, st = follow_ups["sq"].title, follow_ups["st"].title
    assert "陈孤儿" not in sq and sq.startswith("成年孤儿安置：陈**")
    assert titles(cast.users.town)[FOLLOW_UPS] == [sq]
    assert titles(cast.users.town_other)[FOLLOW_UPS] == [st]
    assert sorted(titles(cast.users.district)[FOLLOW_UPS]) == sorted([sq, st])
    for role in ("village", "finance", "leader"):
        assert FOLLOW_UPS not in titles(getattr(cast.users, role))
    (item,) = items_of(cast.users.town, FOLLOW_UPS)
    assert item.url == follow_ups["sq"].get_absolute_url() and item.overdue
    complete_follow_up(follow_ups["sq"], actor=cast.users.town, outcome="已就业，纳入就业援助跟踪")
    assert titles(cast.users.town)[FOLLOW_UPS] == []
    assert titles(cast.users.district)[FOLLOW_UPS] == [st]


def test_overdue_left_behind_visits_show_to_the_village_and_the_town(cast, left_behind):
    assert titles(cast.users.village)[VISITS] == ["林**（高风险）"]
    assert titles(cast.users.town)[VISITS] == ["林**（高风险）"]
    assert titles(cast.users.town_other)[VISITS] == ["何**（高风险）"]
    for role in ("district", "finance", "leader"):
        assert VISITS not in titles(getattr(cast.users, role))
    (item,) = items_of(cast.users.village, VISITS)
    assert item.overdue and item.due == date(2018, 2, 28)
    assert "林留守" not in str(inbox_for(cast.users.village).items)
    record_care_visit(
        left_behind["sq"],
        actor=cast.users.village,
        visited_on=timezone.localdate(),
        visitor_name="社区协理员",
        findings="照护良好",
        risk_level="low",
    )
    assert titles(cast.users.village)[VISITS] == []
    assert titles(cast.users.town_other)[VISITS] == ["何**（高风险）"]


def test_pending_objections_show_to_the_town_and_the_district(cast, objection):
    (title,) = titles(cast.users.town)[OBJECTIONS]
    assert title.startswith("最低生活保障 陈*伟：") and "收到异议" in title
    assert titles(cast.users.district)[OBJECTIONS] == [title]
    assert titles(cast.users.town_other)[OBJECTIONS] == []
    for role in ("village", "finance", "leader"):
        assert OBJECTIONS not in titles(getattr(cast.users, role))
    (item,) = items_of(cast.users.town, OBJECTIONS)
    assert item.due == objection.deadline and not item.overdue
    assert str(objection.pk) in item.url
    decide_objection(objection, actor=cast.users.town, upheld=True, opinion="经核实，该户确有车辆")
    assert titles(cast.users.town)[OBJECTIONS] == []
    assert titles(cast.users.district)[OBJECTIONS] == []


def test_every_role_sees_exactly_its_own_work(cast, reviews, follow_ups, left_behind, objection):
    counts = {
        role: {source: len(found) for source, found in titles(getattr(cast.users, role)).items()}
        for role in ROLES
    }
    assert counts == {
        "village": {REVIEWS: 1, VISITS: 1},
        "town": {REVIEWS: 1, FOLLOW_UPS: 1, VISITS: 1, OBJECTIONS: 1},
        "town_other": {REVIEWS: 1, FOLLOW_UPS: 1, VISITS: 1, OBJECTIONS: 0},
        "district": {FOLLOW_UPS: 2, OBJECTIONS: 1},
        "finance": {},
        "leader": {},
    }
