"""Back office and API of notices: the scoped list, recording and deciding an objection through
the pages and the API, and the daily `close_notices` command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from minzheng.assistance.models import ApplicationStatus, Notice, NoticeObjection
from minzheng.assistance.services.notices import close_expired_notices
from minzheng.workflow.engine import transition

from .notice_cases import dibao_in_notice, in_notice, sensitive_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(cast, programs):
    return dibao_in_notice(cast, sensitive_household(cast)).notices.get()


def test_the_notice_list_is_scoped(client, cast, notice):
    url = reverse("admin:assistance_notice_changelist")
    client.force_login(cast.users.town)
    html = client.get(url).content.decode()
    assert notice.application.number in html and "陈*伟" in html
    client.force_login(cast.users.town_other)
    assert notice.application.number not in client.get(url).content.decode()
    detail = reverse("admin:assistance_notice_change", args=[notice.pk])
    assert client.get(detail).status_code == 404
    client.force_login(cast.users.town)
    html = client.get(detail).content.decode()
    assert reverse("assistance:notice-objection-add", args=[notice.pk]) in html
    assert "notice-print" in html


def test_record_and_uphold_an_objection_through_the_pages(client, cast, notice):
    client.force_login(cast.users.village)
    add = reverse("assistance:notice-objection-add", args=[notice.pk])
    assert client.get(add).status_code == 200
    response = client.post(add, {"received_on": notice.published_on, "objector": "", "content": ""})
    assert response.status_code == 400 and not NoticeObjection.objects.exists()
    response = client.post(add, {"received_on": notice.published_on, "objector": "村民", "content": "有车辆"})
    assert response.status_code == 302
    objection = NoticeObjection.objects.get(notice=notice)
    decide = reverse("assistance:notice-objection-decide", args=[objection.pk])
    response = client.post(decide, {"outcome": "upheld", "opinion": "属实"})
    assert response.status_code == 400 and "不能处理公示异议" in response.content.decode()  # village role
    client.force_login(cast.users.town)
    assert client.post(decide, {"outcome": "upheld", "opinion": "属实"}).status_code == 302
    notice.application.refresh_from_db()
    assert notice.application.status == ApplicationStatus.ACCEPTED


def test_out_of_scope_pages_are_404(client, cast, notice):
    client.force_login(cast.users.town_other)
    add = reverse("assistance:notice-objection-add", args=[notice.pk])
    assert client.post(add, {"received_on": notice.published_on, "content": "异议"}).status_code == 404
    assert not NoticeObjection.objects.exists()


def test_api_lists_in_scope_and_records_and_dismisses(client, cast, notice):
    client.force_login(cast.users.town)
    listing = client.get("/api/v1/assistance/notices/", {"month": f"{notice.month:%Y-%m}"}).json()
    rows = listing["results"] if isinstance(listing, dict) and "results" in listing else listing
    assert [row["head_name"] for row in rows] == ["陈*伟"]
    assert "id_number" not in rows[0] and "phone" not in str(rows[0])
    response = client.post(
        f"/api/v1/assistance/notices/{notice.pk}/objection/",
        {"content": "收入不实"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    objection_id = response.json()["id"]
    response = client.post(
        f"/api/v1/assistance/notice-objections/{objection_id}/decide/",
        {"upheld": False, "opinion": "经核实收入属实"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["outcome"] == "dismissed"
    assert Notice.objects.filter(application=notice.application, status=Notice.Status.OPEN).count() == 1
    client.force_login(cast.users.town_other)
    response = client.post(
        f"/api/v1/assistance/notices/{notice.pk}/objection/",
        {"content": "异议"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_close_notices_command_moves_expired_cases(cast, notice):
    out = StringIO()
    call_command("close_notices", "--date", str(notice.ends_on), stdout=out)
    assert "0 件" in out.getvalue()
    call_command("close_notices", "--date", str(notice.ends_on + timedelta(days=1)), stdout=out)
    assert "1 件" in out.getvalue()
    notice.application.refresh_from_db()
    assert notice.application.status == ApplicationStatus.DISTRICT_REVIEW


def test_close_notices_command_rejects_a_bad_date():
    with pytest.raises(CommandError):
        call_command("close_notices", "--date", "2018-13-01")


def test_lists_run_a_fixed_number_of_queries(client, cast, programs, django_assert_max_num_queries):
    family = sensitive_household(cast)
    dibao_in_notice(cast, family)
    in_notice(cast, program="nursing_subsidy", person=family.spouse)
    in_notice(cast, program="children_subsidy", person=family.child)
    client.force_login(cast.users.town)
    with django_assert_max_num_queries(9):
        assert len(client.get("/api/v1/assistance/notices/").json()["results"]) == 3
    with django_assert_max_num_queries(14):
        assert client.get(reverse("admin:assistance_notice_changelist")).status_code == 200


def test_expired_notice_of_a_case_moved_elsewhere_is_closed_not_counted(cast, notice):
    transition(notice.application, ApplicationStatus.ACCEPTED, actor=cast.users.town, opinion="补充调查")
    assert close_expired_notices(today=notice.ends_on + timedelta(days=1)) == 0
    notice.refresh_from_db()
    assert (notice.status, notice.close_reason) == (Notice.Status.CLOSED, "申请已不在公示环节")
