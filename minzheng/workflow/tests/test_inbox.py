"""The task inbox: what waits for the user's role in their scope, overdue first, in bounded queries.

Uses the workflow tests' own `DemoCase` (applied → accepted by the town → approved by the
district; returned → applied by the town or the village), so the built-in source is tested
without any domain app.
"""

from datetime import date

import pytest
from django.urls import reverse

from minzheng.registry.services import create_region
from minzheng.workflow import inbox
from minzheng.workflow.engine import start_case, transition
from minzheng.workflow.inbox import InboxItem, QuerySource, inbox_for, register_inbox_source

from .demo import DemoCase


@pytest.fixture
def only_demo(monkeypatch, demo_table):
    """The inbox reads DemoCase as its only application type and no registered source."""
    monkeypatch.setattr(inbox, "case_models", lambda: [DemoCase])
    monkeypatch.setattr(inbox, "_SOURCES", {})


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
def make(cast, only_demo):
    """A DemoCase in `region`, started by that town's caseworker and moved along `path`."""

    def make(name, region=None, path=()):
        region = region or cast.village_sq
        town = cast.users.town_other if region.path.startswith(cast.shatou.path) else cast.users.town
        case = start_case(DemoCase(name=name, region=region), actor=town)
        for step in path:
            actor = cast.users.district if step in ("approved", "returned") else town
            transition(case, step, actor=actor, opinion="意见" if step == "returned" else "")
        return case

    return make


def titles(box):
    return [item.title for item in box.items]


def test_town_sees_what_waits_for_the_town_in_its_scope_only(cast, make):
    make("市桥待受理")
    make("沙头待受理", region=cast.village_st)
    make("市桥待区审批", path=["accepted"])
    make("市桥已批准", path=["accepted", "approved"])

    box = inbox_for(cast.users.town)
    assert titles(box) == ["市桥待受理"]
    assert box.items[0].status_label == "已申请"
    assert box.items[0].region_name == "市桥街道 测试一居委会"

    assert titles(inbox_for(cast.users.town_other)) == ["沙头待受理"]
    assert titles(inbox_for(cast.users.district)) == ["市桥待区审批"]


def test_village_assistant_sees_only_their_village_and_only_their_steps(cast, make, village_sq2):
    make("本村退回", path=["accepted", "returned"])
    make("邻村退回", region=village_sq2, path=["accepted", "returned"])
    make("本村待受理")  # waits for the town: the village may not accept
    assert titles(inbox_for(cast.users.village)) == ["本村退回"]
    # the town caseworker sees all three in the town
    assert sorted(titles(inbox_for(cast.users.town))) == ["本村待受理", "本村退回", "邻村退回"]


def test_roles_without_moves_have_an_empty_inbox(cast, make):
    make("市桥待受理")
    for user in (cast.users.leader, cast.users.finance):
        box = inbox_for(user)
        assert box.items == [] and box.total == 0


def test_overdue_first_then_by_deadline(cast, make, clock):
    clock(2018, 11, 2)
    make("较晚期限")  # deadline Wed 7 Nov
    clock(2018, 9, 28)
    make("早已逾期")  # deadline Mon 8 Oct
    clock(2018, 11, 1)
    make("较早期限")  # deadline Tue 6 Nov
    clock(2018, 10, 30)
    make("刚逾期")  # deadline Fri 2 Nov
    box = inbox_for(cast.users.town, today=date(2018, 11, 5))
    assert titles(box) == ["早已逾期", "刚逾期", "较早期限", "较晚期限"]
    assert [item.overdue for item in box.items] == [True, True, False, False]
    assert (box.total, box.overdue) == (4, 2)


def test_the_list_is_capped_per_type_with_the_total(cast, make, monkeypatch):
    monkeypatch.setattr(inbox, "PER_SOURCE", 2)
    for n in range(3):
        make(f"申请{n}")
    box = inbox_for(cast.users.town)
    [section] = box.sections
    assert (len(box.items), section.total, section.hidden) == (2, 3, 1)
    assert len(inbox_for(cast.users.town, source=section.name).items) == 3


def test_registered_sources_are_merged_and_filterable(cast, make):
    make("市桥待受理")

    def reminders(user, today):
        return [
            InboxItem(
                title="走访提醒",
                type_label="走访",
                region_name="",
                status_label="待走访",
                due=date(2000, 1, 1),
                url="/x/",
                overdue=True,
            )
        ]

    register_inbox_source("test.reminders", "走访提醒", reminders)
    box = inbox_for(cast.users.town)
    assert titles(box) == ["走访提醒", "市桥待受理"]
    assert {s.name: s.total for s in box.sections} == {"workflow.democase": 1, "test.reminders": 1}
    assert titles(inbox_for(cast.users.town, source="test.reminders")) == ["走访提醒"]


def test_query_sources_cost_two_queries_whatever_the_rows(cast, make, django_assert_num_queries):
    register_inbox_source(
        "test.demo_again",
        "再次",
        spec=QuerySource(
            queryset=lambda user, today: DemoCase.objects.filter(region=cast.village_sq).select_related(
                "region"
            ),
            item=lambda case, today: InboxItem(case.name, "再次", case.region.name, "", None, ""),
        ),
    )
    for n in range(5):
        make(f"申请{n}")
    # the built-in DemoCase source and the registered one: an aggregate and a slice each
    with django_assert_num_queries(4):
        first = inbox_for(cast.users.town)
    for n in range(5):
        make(f"又一申请{n}")
    with django_assert_num_queries(4):
        second = inbox_for(cast.users.town)
    assert (first.total, second.total) == (10, 20)


def test_the_page_lists_with_links_and_counts_in_constant_queries(
    client, cast, make, django_assert_max_num_queries
):
    client.force_login(cast.users.town)
    make("市桥待受理")
    with django_assert_max_num_queries(20) as small:
        response = client.get(reverse("workflow:inbox"))
    for n in range(12):
        make(f"更多申请{n}")
    with django_assert_max_num_queries(20) as large:
        response = client.get(reverse("workflow:inbox"))
    assert len(large.captured_queries) == len(small.captured_queries)
    body = response.content.decode()
    assert "更多申请11" in body and 'data-count="13"' in body
    assert "暂无待办" not in body


def test_the_page_says_so_when_nothing_waits(client, cast, only_demo):
    client.force_login(cast.users.leader)
    response = client.get(reverse("workflow:inbox"))
    assert response.status_code == 200
    assert "暂无待办" in response.content.decode()


def test_the_page_needs_a_back_office_login(client, cast, only_demo):
    response = client.get(reverse("workflow:inbox"))
    assert response.status_code == 302
    client.force_login(cast.users.public)
    assert client.get(reverse("workflow:inbox")).status_code in (302, 403)
