"""The benefits API: entitlements in scope with their trace, payroll runs built, approved
(four eyes) and totalled by 镇街; masking; error format; schema; query counts."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

from minzheng.benefits.models import BankAccount, PayrollRun
from minzheng.benefits.payroll import get_or_create_run
from minzheng.benefits.services import grant_entitlement
from minzheng.core.jobs import start_job
from minzheng.core.masking import mask_id_number
from minzheng.core.models import AuditLog, Job
from minzheng.core.months import Month

from .test_bank_files import built_run, grant
from .test_commands import another_process_building

ENTITLEMENTS = "/api/v1/entitlements/"
RUNS = "/api/v1/payroll-runs/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


def no_full_numbers(response, cast):
    text = response.content.decode()
    for person in (cast.zhang, cast.zhao):
        assert person.id_number not in text
    for account in BankAccount.objects.all():
        assert account.account_number not in text


# --- entitlements ---------------------------------------------------------------------------


def test_a_town_caseworker_sees_only_the_towns_entitlements(cast, schemes):
    mine, theirs = grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    response = client_for(cast.users.town).get(ENTITLEMENTS)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert client_for(cast.users.town_other).get(ENTITLEMENTS).json()["count"] == 1
    assert client_for(cast.users.district).get(ENTITLEMENTS).json()["count"] == 2
    hidden = client_for(cast.users.town).get(f"{ENTITLEMENTS}{theirs.pk}/")
    assert hidden.status_code == 404 and error(hidden)["code"] == "not_found"
    assert AuditLog.objects.filter(action="access_denied", object_id=str(theirs.pk)).exists()


def test_entitlement_fields_are_masked_and_the_trace_is_readable(cast, schemes):
    ent = grant_entitlement(
        actor=cast.users.district,
        scheme=schemes.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        assessed_income=Decimal("1200"),
    )
    response = client_for(cast.users.town).get(ENTITLEMENTS)
    row = response.json()["results"][0]
    assert row["id_number"] == mask_id_number(cast.zhang.id_number)
    assert row["scheme"] == "dibao" and row["scheme_name"] == "最低生活保障"
    assert row["person"] == cast.zhang.pk and row["person_name"] == "张三明"
    assert row["household"] == cast.hh_sq.pk and row["region"] == "440113007001"
    assert row["town_name"] == "市桥街道" and row["start_month"] == "2018-01" and row["end_month"] is None
    assert row["status"] == "active" and row["status_display"] == "正常发放"
    assert row["monthly_amount"] == str(ent.monthly_amount)
    assert row["trace"]["standard"]["document"] == "番民〔2017〕88号"
    assert "适用标准" in row["trace_text"] and "家庭人口 3 人" in row["trace_text"]
    # the minor supplement names the child masked, in the trace and its text
    assert "张**（未成年人" in row["trace_text"] and "张小明" not in response.content.decode()
    no_full_numbers(response, cast)
    detail = client_for(cast.users.town).get(f"{ENTITLEMENTS}{ent.pk}/").json()
    assert detail["periods"] and detail["periods"][0]["from_month"] == "2018-01"
    assert "计算" in detail["periods"][0]["trace_text"]


def test_entitlement_filters(cast, schemes):
    nursing_zhang, _ = grant(cast, schemes.nursing, cast.zhang, cast.zhao)
    (longevity_zhang,) = grant(cast, schemes.longevity, cast.zhang)
    client = client_for(cast.users.district)

    def ids(query):
        response = client.get(ENTITLEMENTS, query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids({"scheme": "longevity"}) == {longevity_zhang.pk}
    assert ids({"person": cast.zhang.pk}) == {nursing_zhang.pk, longevity_zhang.pk}
    assert ids({"scheme": "nursing", "person": cast.zhang.pk, "status": "active"}) == {nursing_zhang.pk}
    assert ids({"status": "ended"}) == set()
    bad = client.get(ENTITLEMENTS, {"status": "gone"})
    assert bad.status_code == 400 and "status" in error(bad)["fields"]


def test_reading_entitlements_needs_the_benefits_view_right(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang)
    response = client_for(cast.users.socialorg).get(ENTITLEMENTS)
    assert response.status_code == 403 and error(response)["code"] == "permission_denied"
    assert APIClient().get(ENTITLEMENTS).status_code in (401, 403)
    post = client_for(cast.users.district).post(ENTITLEMENTS, {}, format="json")
    assert post.status_code == 405


def test_entitlement_list_query_count_does_not_grow(cast, schemes):
    client = client_for(cast.users.district)
    grant(cast, schemes.nursing, cast.zhang)
    with CaptureQueriesContext(connection) as one:
        assert client.get(ENTITLEMENTS).status_code == 200
    grant(cast, schemes.nursing, cast.zhao, cast.hh_sq2.head)
    grant(cast, schemes.longevity, cast.zhang, cast.zhao)
    with CaptureQueriesContext(connection) as five:
        assert client.get(ENTITLEMENTS).json()["count"] == 5
    assert len(five) == len(one)


# --- payroll runs ---------------------------------------------------------------------------


def test_build_a_run_through_the_api_and_read_its_totals_by_town(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang, cast.zhao, cast.hh_sq2.head)
    response = client_for(cast.users.finance).post(
        RUNS, {"scheme": "nursing", "month": "2018-01"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scheme"] == "nursing" and body["month"] == "2018-01" and body["status"] == "draft"
    assert body["line_count"] == 3 and body["total_amount"] == "600.00"
    assert body["built_by"] == "cast_finance" and body["approved_by"] is None
    assert (
        body["job_status"] == "succeeded" and Job.objects.get(pk=body["job"]).kind == "benefits.build_payroll"
    )
    towns = {row["town"]: (row["lines"], row["people"], row["total"]) for row in body["totals_by_town"]}
    assert towns == {"市桥街道": (2, 2, "400.00"), "沙头街道": (1, 1, "200.00")}
    no_full_numbers(response, cast)
    listed = client_for(cast.users.leader).get(RUNS).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]] and "totals_by_town" not in listed[
        "results"
    ][0]
    detail = client_for(cast.users.leader).get(f"{RUNS}{body['id']}/")
    assert detail.status_code == 200 and detail.json()["totals_by_town"] == body["totals_by_town"]
    # rebuilding the draft is idempotent
    again = client_for(cast.users.finance).post(
        RUNS, {"scheme": "nursing", "month": "2018-01"}, format="json"
    )
    assert again.status_code == 201 and again.json()["id"] == body["id"] and again.json()["line_count"] == 3


def test_runs_are_for_district_wide_scopes_only(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang)
    run = built_run(cast, schemes.nursing, Month(2018, 1))
    town = client_for(cast.users.town)
    assert town.get(RUNS).json()["count"] == 0
    hidden = town.get(f"{RUNS}{run.pk}/")
    assert hidden.status_code == 404 and error(hidden)["code"] == "not_found"
    assert AuditLog.objects.filter(action="access_denied", object_type="benefits.payrollrun").exists()
    assert client_for(cast.users.finance).get(f"{RUNS}abc/").status_code == 404
    assert client_for(cast.users.finance).get(f"{RUNS}{run.pk + 99}/").status_code == 404


def test_building_needs_the_payroll_build_right(cast, schemes):
    response = client_for(cast.users.town).post(
        RUNS, {"scheme": "nursing", "month": "2018-01"}, format="json"
    )
    assert response.status_code == 403 and error(response)["code"] == "permission_denied"
    assert not PayrollRun.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"scheme": "nope", "month": "2018-01"}, "scheme"),
        ({"scheme": "nursing", "month": "2018-13"}, "month"),
        ({"scheme": "nursing"}, "month"),
    ],
)
def test_bad_build_requests_are_400_with_the_field(cast, schemes, payload, field):
    response = client_for(cast.users.finance).post(RUNS, payload, format="json")
    assert response.status_code == 400
    err = error(response)
    assert err["code"] == "invalid" and list(err["fields"]) == [field]


def test_a_second_build_of_the_same_month_is_a_409(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang)
    run = built_run(cast, schemes.nursing, Month(2018, 1), approve=False)
    start_job("benefits.build_payroll", actor=cast.users.finance, params={"run": run.pk})  # queued, not run
    response = client_for(cast.users.finance).post(
        RUNS, {"scheme": "nursing", "month": "2018-01"}, format="json"
    )
    assert response.status_code == 409
    err = error(response)
    assert err["code"] == "conflict" and "正由其他进程编制" in err["message"]


@pytest.mark.pg_only
def test_losing_the_database_build_lock_is_a_409(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang)
    run = get_or_create_run(schemes.nursing, Month(2018, 1), actor=cast.users.finance)
    client = client_for(cast.users.finance)
    with another_process_building(run):
        response = client.post(RUNS, {"scheme": "nursing", "month": "2018-01"}, format="json")
    assert response.status_code == 409 and error(response)["code"] == "conflict"
    assert not run.lines.exists()


def test_an_approved_run_is_not_rebuilt(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang)
    built_run(cast, schemes.nursing, Month(2018, 1))
    response = client_for(cast.users.finance).post(
        RUNS, {"scheme": "nursing", "month": "2018-01"}, format="json"
    )
    assert response.status_code == 400 and "不能重新编制" in error(response)["fields"]["status"][0]


def test_the_author_cannot_approve_and_another_user_can(cast, schemes):
    grant(cast, schemes.nursing, cast.zhang)
    run = built_run(cast, schemes.nursing, Month(2018, 1), approve=False)
    url = f"{RUNS}{run.pk}/approve/"
    refused = client_for(cast.users.finance).post(url, {}, format="json")
    assert refused.status_code == 400
    err = error(refused)
    assert "编制人" in err["fields"]["approved_by"][0] and "编制人" in err["message"]
    assert client_for(cast.users.leader).post(url, {}, format="json").status_code == 403
    approved = client_for(cast.users.district).post(url, {"opinion": "同意"}, format="json")
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["status"] == "approved" and body["approved_by"] == "cast_district"
    audit = AuditLog.objects.get(action="approve_payroll")
    assert audit.changes["opinion"] == "同意"
    twice = client_for(cast.users.admin).post(url, {}, format="json")
    assert twice.status_code == 400 and "status" in error(twice)["fields"]


# --- schema ---------------------------------------------------------------------------------


def test_openapi_schema_still_validates_and_lists_the_benefits_paths(tmp_path):
    GENERATOR_STATS.reset()
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/entitlements/",
        "/api/v1/entitlements/{id}/",
        "/api/v1/payroll-runs/",
        "/api/v1/payroll-runs/{id}/",
        "/api/v1/payroll-runs/{id}/approve/",
    ):
        assert f"{path}:" in text, path
