"""Children's data is sensitive: lists and the API mask names and ID numbers; the full record is a
permission (`pii.reveal`) and every full view is audited; out-of-scope records are 404."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from minzheng.assistance.models import FollowUpTask
from minzheng.assistance.services.children import (
    age_out_children,
    register_child_profile,
    register_left_behind,
)
from minzheng.benefits.services import grant_entitlement
from minzheng.core.audit import AuditLog
from minzheng.core.months import Month
from minzheng.registry.models import Person


@pytest.fixture
def kid(cast):
    return Person.objects.get(name="张小明")


@pytest.fixture
def profile(cast, programs, kid):
    return register_child_profile(
        actor=cast.users.town, person=kid, category="in_difficulty", guardian=cast.zhang
    )


@pytest.fixture
def record(cast, kid):
    return register_left_behind(
        actor=cast.users.village,
        person=kid,
        parents_away="both",
        parents_whereabouts="父母均在东莞务工",
        guardian_name="陈奶奶",
        guardian_relation="grandparent",
        risk_level="high",
        registered_on=date(2018, 1, 31),
    )


def _client(client, user):
    client.force_login(user)
    return client


def test_admin_lists_mask_children(client, cast, kid, profile, record, django_assert_max_num_queries):
    for url in (
        reverse("admin:assistance_childprofile_changelist"),
        reverse("admin:assistance_leftbehindchild_changelist"),
    ):
        html = _client(client, cast.users.district).get(url).content.decode()
        assert "张**" in html, url
        assert "张小明" not in html and kid.id_number not in html, url
        assert kid.masked_id_number in html
    with django_assert_max_num_queries(25):
        assert client.get(reverse("admin:assistance_childprofile_changelist")).status_code == 200


def test_full_view_is_a_permission_and_audited(client, cast, kid, profile):
    url = reverse("assistance:child-detail", args=[profile.pk])
    html = _client(client, cast.users.town).get(url).content.decode()
    assert "张小明" in html and kid.id_number in html
    assert (
        AuditLog.objects.filter(action="view_child", object_id=str(profile.pk), actor=cast.users.town).count()
        == 1
    )

    html = _client(client, cast.users.village).get(url).content.decode()  # no pii.reveal
    assert "张小明" not in html and kid.id_number not in html and "张**" in html
    assert not AuditLog.objects.filter(action="view_child", actor=cast.users.village).exists()

    assert _client(client, cast.users.town_other).get(url).status_code == 404


def test_reveal_one_value_is_audited(client, cast, profile):
    url = reverse("backoffice:reveal", args=["assistance.childprofile", profile.pk, "child_name"])
    response = _client(client, cast.users.town).post(url)
    assert response.status_code == 200 and "张小明" in response.content.decode()
    assert AuditLog.objects.filter(action="reveal", object_id=str(profile.pk)).exists()
    assert _client(client, cast.users.village).post(url).status_code == 403


def test_api_is_masked_and_scoped(cast, kid, profile, record, django_assert_max_num_queries):
    api = APIClient()
    api.force_authenticate(cast.users.town)
    with django_assert_max_num_queries(6):
        body = api.get("/api/v1/assistance/children/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(r["name"], r["id_number"]) for r in rows] == [("张**", kid.masked_id_number)]
    body = api.get(f"/api/v1/assistance/left-behind-children/{record.pk}/").json()
    assert body["name"] == "张**" and body["risk_level"] == "high" and body["visits"] == []

    response = api.post(
        f"/api/v1/assistance/left-behind-children/{record.pk}/visits/",
        {"visited_on": "2018-02-20", "visitor_name": "儿童主任", "findings": "正常", "risk_level": "medium"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    record.refresh_from_db()
    assert record.risk_level == "medium" and record.next_visit_due == date(2018, 5, 20)

    response = api.post(
        f"/api/v1/assistance/left-behind-children/{record.pk}/visits/",
        {"visited_on": "2018-02-01", "visitor_name": "儿童主任", "findings": "正常", "risk_level": "low"},
        format="json",
    )
    assert response.status_code == 400 and "visited_on" in response.json()["error"]["fields"]

    other = APIClient()
    other.force_authenticate(cast.users.town_other)
    assert other.get(f"/api/v1/assistance/left-behind-children/{record.pk}/").status_code == 404
    rows = other.get("/api/v1/assistance/children/").json()
    assert (rows["results"] if isinstance(rows, dict) else rows) == []


def test_left_behind_page_records_a_visit(client, cast, record):
    url = reverse("assistance:left-behind-detail", args=[record.pk])
    page = _client(client, cast.users.village).get(url)
    assert page.status_code == 200 and "张小明" not in page.content.decode()
    response = client.post(
        url,
        {
            "action": "visit",
            "visited_on": "2018-02-25",
            "visitor_name": "儿童主任",
            "findings": "已走访",
            "risk_level": "low",
        },
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.risk_level == "low" and record.last_visit_on == date(2018, 2, 25)
    response = client.post(url, {"action": "close", "reason": "other", "note": ""})
    assert response.status_code == 400 and "原因为“其他”时请填写销册说明" in response.content.decode()
    assert (
        _client(client, cast.users.leader).post(url, {"action": "close", "reason": "moved"}).status_code
        == 403
    )
    overdue = _client(client, cast.users.town).get(reverse("assistance:left-behind-overdue"))
    assert overdue.status_code == 200


def test_task_page_completes_the_task(client, cast, programs):
    from minzheng.registry.idnumbers import make_id_number
    from minzheng.registry.services import register_person

    person = register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", date(2000, 4, 2), 301),
        name="何成年",
        region=cast.village_sq,
    )
    grant_entitlement(
        actor=cast.users.district, scheme=programs.orphan, person=person, start_month=Month(2018, 1)
    )
    age_out_children(today=date(2018, 5, 1))
    task = FollowUpTask.objects.get()
    html = _client(client, cast.users.town).get(task.get_absolute_url()).content.decode()
    assert "何**" in html and "何成年" not in html
    response = client.post(task.get_absolute_url(), {"outcome": "已就业，落实住房"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    assert _client(client, cast.users.town_other).get(task.get_absolute_url()).status_code == 404


def test_back_office_screens_open_and_add_through_the_services(client, cast, programs, kid):
    _client(client, cast.users.district)
    for name in ("childprofile", "educationgrant", "leftbehindchild", "followuptask"):
        assert client.get(reverse(f"admin:assistance_{name}_changelist")).status_code == 200, name
        assert client.get(reverse(f"admin:assistance_{name}_changelist") + "?q=张").status_code == 200, name
    for name in ("childprofile", "educationgrant", "leftbehindchild"):
        assert client.get(reverse(f"admin:assistance_{name}_add")).status_code == 200, name

    response = client.post(
        reverse("admin:assistance_childprofile_add"),
        {
            "id_number": kid.id_number,
            "category": "in_difficulty",
            "guardian_name": "张三明",
            "guardian_relation": "parent",
        },
    )
    assert response.status_code == 302
    profile = kid.child_profile
    assert AuditLog.objects.filter(action="register_child", object_id=str(profile.pk)).exists()
    response = client.post(
        reverse("admin:assistance_educationgrant_add"),
        {
            "id_number": kid.id_number,
            "school_year": "2018",
            "amount": "1500",
            "reason": "困难",
            "month": "2018-09",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("admin:assistance_educationgrant_add"),
        {
            "id_number": kid.id_number,
            "school_year": "2018",
            "amount": "1500",
            "reason": "困难",
            "month": "2018-10",
        },
    )
    assert "本学年" in response.content.decode() or "学年已发放" in response.content.decode()
    assert client.get(reverse("admin:assistance_childprofile_change", args=[profile.pk])).status_code == 200
