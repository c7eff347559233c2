"""API /api/v1/assistance/applications/: scoped reads, submit, one action per step, one error format."""

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from minzheng.assistance.models import Application
from minzheng.assistance.services.applications import submit_application
from minzheng.registry.models import Person

URL = "/api/v1/assistance/applications/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def submitted(cast, programs):
    return submit_application(
        actor=cast.users.village,
        program="dibao",
        person=cast.zhang,
        household=cast.hh_sq,
        applied_on=timezone.localdate(),
        reason="无固定收入",
        declared_income=Decimal("1200"),
    )


def test_submit_through_the_api_defaults_to_the_current_household(cast, programs):
    response = client_for(cast.users.village).post(
        URL,
        {
            "program": "dibao",
            "person": cast.zhang.pk,
            "applied_on": str(timezone.localdate()),
            "declared_income": "1200",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["household"] == cast.hh_sq.pk and body["status"] == "applied" and body["status_name"] == "已申请"
    )
    assert body["id_number"] == cast.zhang.masked_id_number
    assert body["moves"] == ["withdraw"]
    assert body["history"][0]["actor"] == "cast_village"


def test_errors_use_the_project_format(cast, programs, submitted):
    client = client_for(cast.users.village)
    payload = {"program": "dibao", "person": cast.zhang.pk, "applied_on": str(timezone.localdate())}
    response = client.post(URL, payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["fields"]["program"] == [
        "张三明已有一件“最低生活保障”申请正在办理，办结前不能再次申请"
    ]
    response = client.post(URL, {**payload, "person": cast.zhao.pk}, format="json")
    assert response.status_code == 403
    assert "不在您的管辖范围内" in response.json()["error"]["message"]


def test_lists_are_scoped_and_out_of_scope_is_404(cast, submitted, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client_for(cast.users.town).get(URL)
    assert [row["number"] for row in response.json()["results"]] == [submitted.number]
    assert client_for(cast.users.town_other).get(URL).json()["results"] == []
    response = client_for(cast.users.town_other).get(f"{URL}{submitted.pk}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client_for(cast.users.town_other).post(f"{URL}{submitted.pk}/accept/", {}).status_code == 404


def test_the_steps_through_the_api(cast, submitted):
    town, village = client_for(cast.users.town), client_for(cast.users.village)
    detail = f"{URL}{submitted.pk}/"
    response = village.post(f"{detail}accept/", {}, format="json")
    assert response.status_code == 403 and "不能办理“已受理" in response.json()["error"]["message"]
    response = town.post(f"{detail}missing-items/", {"items": ["户口簿", "收入证明"]}, format="json")
    assert response.status_code == 200 and response.json()["missing_items"] == ["户口簿", "收入证明"]
    response = town.post(f"{detail}missing-items/", {"items": ["残疾证"]}, format="json")
    assert response.status_code == 400
    assert town.post(f"{detail}accept/", {"opinion": "已补齐"}, format="json").json()["status"] == "accepted"
    response = village.post(f"{detail}investigate/", {"result_text": "核实"}, format="json")
    assert response.status_code == 400 and "assessed_income" in response.json()["error"]["fields"]
    response = village.post(
        f"{detail}investigate/", {"assessed_income": "1200", "result_text": "核实"}, format="json"
    )
    assert response.json()["status"] == "investigated"
    response = town.post(f"{detail}town-review/", {"approve": False, "opinion": ""}, format="json")
    assert response.status_code == 400 and "opinion" in response.json()["error"]["fields"]
    response = town.post(f"{detail}town-review/", {"approve": True, "opinion": "同意公示"}, format="json")
    assert response.json()["status"] == "notice"
    response = client_for(cast.users.district).post(f"{detail}decide/", {"approve": True}, format="json")
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]
    response = village.post(f"{detail}withdraw/", {"opinion": "撤回"}, format="json")
    assert response.status_code == 400  # no withdrawal during the notice
    assert Application.objects.get(pk=submitted.pk).status == "notice"


def test_filters(cast, programs, submitted):
    wang = Person.objects.get(name="王五")
    submit_application(
        actor=cast.users.village,
        program="tekun",
        person=wang,
        applied_on=timezone.localdate(),
        reason="",
        declared_income=0,
    )
    client = client_for(cast.users.district)
    assert [r["program"] for r in client.get(URL, {"program": "tekun"}).json()["results"]] == ["tekun"]
    assert client.get(URL, {"overdue": "1"}).json()["results"] == []
