"""The REST API of the register: scope, roles, masking, audit, error format, schema, query counts."""

from datetime import date

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from minzheng.accounts.api_permissions import HasCapability
from minzheng.accounts.models import User
from minzheng.accounts.roles import Capability
from minzheng.core.masking import mask_id_number
from minzheng.core.models import AuditLog
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Membership, Person
from minzheng.registry.services import add_member, register_person

PERSONS = "/api/v1/persons/"
HOUSEHOLDS = "/api/v1/households/"
REGIONS = "/api/v1/regions/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def new_person_payload(seq: int = 101, **extra) -> dict:
    return {
        "id_number": make_id_number("440113", date(1985, 6, 15), seq),
        "name": "陈大文",
        "region": "440113007001",
        **extra,
    }


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


# --- create: good, bad and duplicate ID numbers ----------------------------------------------


def test_create_person_derives_facts_masks_the_answer_and_audits(cast):
    payload = new_person_payload(phone="13912345678", marital_status="married")
    payload["id_number"] = payload["id_number"].lower()
    response = client_for(cast.users.town).post(PERSONS, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    full = payload["id_number"].upper()
    assert body["id_number"] == mask_id_number(full) and full not in response.content.decode()
    assert body["phone"] == "139****5678"
    assert body["birth_date"] == "1985-06-15" and body["sex"] == "M"
    assert body["region"] == "440113007001" and body["region_name"] == "测试一居委会"
    assert body["town_name"] == "市桥街道" and body["household"] is None
    person = Person.objects.get(pk=body["id"])
    assert person.id_number == full and person.marital_status == "married"
    assert AuditLog.objects.filter(
        action="create", object_type="registry.person", object_id=str(person.pk), actor=cast.users.town
    ).exists()


def test_bad_id_number_is_a_400_with_the_message_under_fields_id_number(cast):
    payload = new_person_payload()
    good = payload["id_number"]
    payload["id_number"] = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client_for(cast.users.town).post(PERSONS, payload, format="json")
    assert response.status_code == 400
    err = error(response)
    assert err["code"] == "invalid"
    assert "身份证号码" in err["fields"]["id_number"][0] and "校验位" in err["fields"]["id_number"][0]
    assert err["message"].startswith("提交的数据有误")
    assert not Person.objects.filter(name="陈大文").exists()


def test_impossible_birth_date_in_id_number_is_refused(cast):
    response = client_for(cast.users.town).post(
        PERSONS,
        {"id_number": "440113198502300012", "name": "陈大文", "region": "440113007001"},
        format="json",
    )
    assert response.status_code == 400
    assert "出生日期" in error(response)["fields"]["id_number"][0]


def test_duplicate_id_number_points_to_the_existing_record_masked(cast):
    response = client_for(cast.users.town).post(
        PERSONS,
        {"id_number": cast.zhang.id_number, "name": "另一人", "region": "440113007001"},
        format="json",
    )
    assert response.status_code == 400
    message = error(response)["fields"]["id_number"][0]
    assert "已登记" in message and "张*明" in message and mask_id_number(cast.zhang.id_number) in message
    assert str(cast.zhang.pk) in message
    assert cast.zhang.id_number not in response.content.decode()


def test_missing_and_wrong_fields_are_named_in_chinese(cast):
    client = client_for(cast.users.town)
    err = error(client.post(PERSONS, {}, format="json"))
    assert err["fields"]["id_number"] == ["身份证号码不能为空"]
    assert err["fields"]["name"] == ["姓名不能为空"]
    assert err["fields"]["region"] == ["户籍所在村居不能为空"]

    err = error(client.post(PERSONS, new_person_payload(region="440113999999"), format="json"))
    assert "户籍所在村居" in err["fields"]["region"][0] and "440113999999" in err["fields"]["region"][0]

    err = error(client.post(PERSONS, new_person_payload(phone="12345"), format="json"))
    assert "联系电话" in err["fields"]["phone"][0]

    err = error(client.post(PERSONS, new_person_payload(marital_status="maybe"), format="json"))
    assert err["fields"]["marital_status"][0].startswith("婚姻状况")

    # a town, not a village: the service refuses it under the same field
    err = error(client.post(PERSONS, new_person_payload(region="440113007000"), format="json"))
    assert "不是村居" in err["fields"]["region"][0]
    assert not Person.objects.filter(name="陈大文").exists()


def test_registering_into_another_town_is_forbidden(cast):
    response = client_for(cast.users.town).post(
        PERSONS, new_person_payload(region="440113008001"), format="json"
    )
    assert response.status_code == 403
    assert "管辖范围" in error(response)["message"]


# --- scope: out of scope is a logged 404 -----------------------------------------------------


def test_other_town_gets_404_for_a_shiqiao_person_and_the_attempt_is_logged(cast):
    client = client_for(cast.users.town_other)
    response = client.get(f"{PERSONS}{cast.zhang.pk}/")
    assert response.status_code == 404
    err = error(response)
    assert err["code"] == "not_found" and err["message"] == "未找到该记录"
    assert cast.zhang.name not in response.content.decode()
    log = AuditLog.objects.get(
        action="access_denied", object_type="registry.person", object_id=str(cast.zhang.pk)
    )
    assert log.actor == cast.users.town_other

    # actions too: nothing changes, and each attempt is logged
    assert (
        client.post(
            f"{PERSONS}{cast.zhang.pk}/record_death/", {"death_date": "2018-01-01"}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.patch(f"{PERSONS}{cast.zhang.pk}/", {"phone": "13900000000"}, format="json").status_code == 404
    )
    assert client.get(f"{PERSONS}{cast.zhang.pk}/reveal/?field=id_number").status_code == 404
    cast.zhang.refresh_from_db()
    assert cast.zhang.death_date is None and cast.zhang.phone == "13800138000"
    assert AuditLog.objects.filter(action="access_denied", object_id=str(cast.zhang.pk)).count() == 4
    assert not AuditLog.objects.filter(action="reveal", object_id=str(cast.zhang.pk)).exists()


def test_other_town_gets_404_for_a_shiqiao_household_and_its_actions(cast):
    client = client_for(cast.users.town_other)
    assert client.get(f"{HOUSEHOLDS}{cast.hh_sq.pk}/").status_code == 404
    assert AuditLog.objects.filter(
        action="access_denied",
        object_type="registry.household",
        object_id=str(cast.hh_sq.pk),
        actor=cast.users.town_other,
    ).exists()
    response = client.post(
        f"{HOUSEHOLDS}{cast.hh_sq.pk}/add_member/",
        {"person": cast.zhao.pk, "relation": "other"},
        format="json",
    )
    assert response.status_code == 404
    response = client.post(f"{HOUSEHOLDS}{cast.hh_sq.pk}/move/", {"region": "440113008001"}, format="json")
    assert response.status_code == 404
    cast.hh_sq.refresh_from_db()
    assert cast.hh_sq.region == cast.village_sq


def test_a_missing_record_is_a_plain_404_and_not_logged_as_denied(cast):
    client = client_for(cast.users.town)
    assert client.get(f"{PERSONS}99999999/").status_code == 404
    assert client.get(f"{PERSONS}abc/").status_code == 404
    assert not AuditLog.objects.filter(action="access_denied").exists()


def test_lists_show_only_the_users_scope(cast):
    ids = {row["id"] for row in client_for(cast.users.town_other).get(PERSONS).json()["results"]}
    assert cast.zhao.pk in ids and cast.zhang.pk not in ids
    numbers = {row["number"] for row in client_for(cast.users.town).get(HOUSEHOLDS).json()["results"]}
    assert numbers == {"SQ-0001", "SQ-0002"}
    village = client_for(cast.users.village).get(PERSONS).json()
    assert village["count"] == 4


def test_an_out_of_scope_person_cannot_be_added_to_a_household(cast):
    response = client_for(cast.users.town).post(
        f"{HOUSEHOLDS}{cast.hh_sq2.pk}/add_member/",
        {"person": cast.zhao.pk, "relation": "other"},
        format="json",
    )
    assert response.status_code == 400
    assert "不存在或不在您的管辖范围内" in error(response)["fields"]["person"][0]
    assert AuditLog.objects.filter(action="access_denied", object_id=str(cast.zhao.pk)).exists()
    assert not Membership.objects.filter(person=cast.zhao, household=cast.hh_sq2).exists()


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "finance"])
def test_read_only_roles_can_read_but_not_write(cast, role):
    client = client_for(getattr(cast.users, role))
    response = client.get(PERSONS)
    assert response.status_code == 200
    assert {cast.zhang.pk, cast.zhao.pk} <= {row["id"] for row in response.json()["results"]}
    assert client.get(f"{HOUSEHOLDS}{cast.hh_st.pk}/").status_code == 200
    assert client.get(REGIONS).status_code == 200

    response = client.post(PERSONS, new_person_payload(), format="json")
    assert response.status_code == 403
    err = error(response)
    assert err["code"] == "permission_denied" and "维护人口户籍" in err["message"]
    assert (
        client.patch(f"{PERSONS}{cast.zhang.pk}/", {"phone": "13900000000"}, format="json").status_code == 403
    )
    assert (
        client.post(
            f"{PERSONS}{cast.zhang.pk}/record_death/", {"death_date": "2018-01-01"}, format="json"
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{HOUSEHOLDS}{cast.hh_sq2.pk}/add_member/",
            {"person": cast.zhang.pk, "relation": "other"},
            format="json",
        ).status_code
        == 403
    )
    assert client.get(f"{PERSONS}{cast.zhang.pk}/reveal/?field=id_number").status_code == 403
    assert not Person.objects.filter(name="陈大文").exists()


@pytest.mark.parametrize("role", ["socialorg", "public"])
def test_roles_without_back_office_capabilities_get_403_everywhere(cast, role):
    client = client_for(getattr(cast.users, role))
    for url in (
        PERSONS,
        f"{PERSONS}{cast.zhang.pk}/",
        HOUSEHOLDS,
        f"{HOUSEHOLDS}{cast.hh_sq.pk}/",
        REGIONS,
        f"{REGIONS}{cast.district.pk}/",
        f"{PERSONS}{cast.zhang.pk}/reveal/?field=id_number",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert error(response)["code"] == "permission_denied"
    assert client.post(PERSONS, new_person_payload(), format="json").status_code == 403


def test_anonymous_requests_are_401(cast):
    response = APIClient().get(PERSONS)
    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_delete_and_put_are_not_allowed(cast):
    client = client_for(cast.users.town)
    response = client.delete(f"{PERSONS}{cast.zhang.pk}/")
    assert response.status_code == 405 and error(response)["code"] == "method_not_allowed"
    assert client.put(f"{PERSONS}{cast.zhang.pk}/", new_person_payload(), format="json").status_code == 405
    assert client.delete(f"{HOUSEHOLDS}{cast.hh_sq.pk}/").status_code == 405
    assert client.post(REGIONS, {}, format="json").status_code == 405
    assert Person.objects.filter(pk=cast.zhang.pk).exists()


# --- masking and reveal -------------------------------------------------------------------------


def test_id_numbers_and_phones_are_masked_in_lists_and_details(cast):
    client = client_for(cast.users.district)
    for url in (
        PERSONS,
        f"{PERSONS}{cast.zhang.pk}/",
        f"{PERSONS}?q={cast.zhang.id_number}",
        HOUSEHOLDS,
        f"{HOUSEHOLDS}{cast.hh_sq.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert cast.zhang.id_number not in text and "13800138000" not in text, url
        assert mask_id_number(cast.zhang.id_number) in text, url
    detail = client.get(f"{PERSONS}{cast.zhang.pk}/").json()
    assert detail["id_number"] == mask_id_number(cast.zhang.id_number) and detail["phone"] == "138****8000"
    assert detail["household"] == cast.hh_sq.pk and detail["household_relation"] == "head"
    assert detail["birth_date"] == "1960-05-01" and detail["sex"] == "M" and detail["name"] == "张三明"


def test_reveal_shows_the_full_value_and_is_audited(cast):
    response = client_for(cast.users.town).get(f"{PERSONS}{cast.zhang.pk}/reveal/?field=id_number")
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "label": "身份证号码", "value": cast.zhang.id_number}
    assert response["Cache-Control"] == "no-store"
    log = AuditLog.objects.get(action="reveal", object_id=str(cast.zhang.pk))
    assert log.actor == cast.users.town and log.changes == {"field": "id_number"}

    phone = client_for(cast.users.district).get(f"{PERSONS}{cast.zhang.pk}/reveal/?field=phone")
    assert phone.json()["value"] == "13800138000"


def test_reveal_needs_the_capability_and_a_known_field(cast):
    response = client_for(cast.users.village).get(f"{PERSONS}{cast.zhang.pk}/reveal/?field=id_number")
    assert response.status_code == 403
    assert "敏感信息" in error(response)["message"]
    response = client_for(cast.users.town).get(f"{PERSONS}{cast.zhang.pk}/reveal/?field=name")
    assert response.status_code == 400 and "field" in error(response)["fields"]
    assert not AuditLog.objects.filter(action="reveal").exists()


# --- updates and life events -------------------------------------------------------------------


def test_patch_changes_only_what_is_sent_through_the_service(cast):
    client = client_for(cast.users.town)
    response = client.patch(f"{PERSONS}{cast.zhang.pk}/", {"phone": "13912345678"}, format="json")
    assert response.status_code == 200 and response.json()["phone"] == "139****5678"
    cast.zhang.refresh_from_db()
    assert cast.zhang.phone == "13912345678" and cast.zhang.name == "张三明"
    assert AuditLog.objects.filter(action="update", object_id=str(cast.zhang.pk)).exists()

    err = error(
        client.patch(f"{PERSONS}{cast.zhang.pk}/", {"id_number": "440113196005010116"}, format="json")
    )
    assert "身份证号码不能修改" in err["fields"]["id_number"][0]
    err = error(
        client.patch(
            f"{PERSONS}{cast.zhang.pk}/",
            {"disability_grade": 7, "disability_category": "visual"},
            format="json",
        )
    )
    assert "残疾等级" in err["fields"]["disability_grade"][0]


def test_record_death_through_the_api(cast):
    client = client_for(cast.users.town)
    url = f"{PERSONS}{cast.zhang.pk}/record_death/"
    response = client.post(url, {"death_date": "2018-03-01"}, format="json")
    assert response.status_code == 200
    assert response.json()["death_date"] == "2018-03-01" and response.json()["household"] is None
    err = error(client.post(url, {"death_date": "2018-03-02"}, format="json"))
    assert "已于2018-03-01登记死亡" in err["fields"]["death_date"][0]
    err = error(client.post(url, {}, format="json"))
    assert err["fields"]["death_date"] == ["死亡日期不能为空"]


def test_add_member_via_api_shows_in_the_household_detail(cast):
    client = client_for(cast.users.town)
    person_id = client.post(PERSONS, new_person_payload(), format="json").json()["id"]
    response = client.post(
        f"{HOUSEHOLDS}{cast.hh_sq2.pk}/add_member/",
        {"person": person_id, "relation": "spouse", "since": "2018-02-01"},
        format="json",
    )
    assert response.status_code == 200, response.content

    detail = client.get(f"{HOUSEHOLDS}{cast.hh_sq2.pk}/").json()
    member = next(m for m in detail["members"] if m["person"] == person_id)
    assert (
        member["relation"] == "spouse"
        and member["relation_display"] == "配偶"
        and member["since"] == "2018-02-01"
    )
    assert member["id_number"] == mask_id_number(Person.objects.get(pk=person_id).id_number)
    assert client.get(f"{PERSONS}{person_id}/").json()["household"] == cast.hh_sq2.pk

    err = error(
        client.post(
            f"{HOUSEHOLDS}{cast.hh_sq.pk}/add_member/",
            {"person": person_id, "relation": "other"},
            format="json",
        )
    )
    assert "已是家庭户" in err["fields"]["person"][0]

    response = client.post(
        f"{HOUSEHOLDS}{cast.hh_sq2.pk}/remove_member/",
        {"person": person_id, "until": "2018-06-01", "reason": "迁出"},
        format="json",
    )
    assert response.status_code == 200
    assert person_id not in {
        m["person"] for m in client.get(f"{HOUSEHOLDS}{cast.hh_sq2.pk}/").json()["members"]
    }


def test_create_household_and_refusals(cast):
    client = client_for(cast.users.town)
    person_id = client.post(PERSONS, new_person_payload(), format="json").json()["id"]
    response = client.post(
        HOUSEHOLDS,
        {"region": "440113007001", "head": person_id, "address": "市桥街三号", "number": "SQ-0003"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["head"] == person_id and body["region"] == "440113007001"
    assert [m["relation"] for m in body["members"]] == ["head"]

    err = error(
        client.post(
            HOUSEHOLDS, {"region": "440113007001", "head": cast.zhang.pk, "number": "SQ-0004"}, format="json"
        )
    )
    assert "已是家庭户" in err["fields"]["head"][0]
    err = error(
        client.post(
            HOUSEHOLDS, {"region": "440113007001", "head": cast.zhang.pk, "number": "SQ-0003"}, format="json"
        )
    )
    assert "户号" in err["fields"]["number"][0]


def test_move_household_needs_both_regions_in_scope(cast):
    response = client_for(cast.users.town).post(
        f"{HOUSEHOLDS}{cast.hh_sq2.pk}/move/", {"region": "440113008001"}, format="json"
    )
    assert response.status_code == 403
    response = client_for(cast.users.district).post(
        f"{HOUSEHOLDS}{cast.hh_sq2.pk}/move/",
        {"region": "440113008001", "address": "沙头路九号"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["region"] == "440113008001" and response.json()["address"] == "沙头路九号"
    assert Person.objects.get(name="王五").region == cast.village_st


# --- search and filters -------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["full", "tail", "zsm", "张三"])
def test_person_search(cast, query):
    q = {"full": cast.zhang.id_number, "tail": cast.zhang.id_number[-6:]}.get(query, query)
    rows = client_for(cast.users.town).get(PERSONS, {"q": q}).json()["results"]
    assert cast.zhang.pk in {row["id"] for row in rows}
    assert all(row["name"].startswith("张") for row in rows)


def test_person_region_filter_stays_inside_the_scope(cast):
    district = client_for(cast.users.district)
    rows = district.get(PERSONS, {"region": "440113008001"}).json()["results"]
    assert [row["id"] for row in rows] == [cast.zhao.pk]
    assert district.get(PERSONS, {"region": "440113008000"}).json()["count"] == 1
    assert client_for(cast.users.town).get(PERSONS, {"region": "440113008001"}).json()["count"] == 0
    err = error(district.get(PERSONS, {"region": "abc"}))
    assert err["fields"]["region"][0].startswith("区划")


def test_regions_are_scoped_and_filtered_by_level(cast):
    town = client_for(cast.users.town)
    codes = {row["code"] for row in town.get(REGIONS).json()["results"]}
    assert "440113007001" in codes and "440113007000" in codes and "440113008001" not in codes
    villages = town.get(REGIONS, {"level": "village"}).json()["results"]
    assert villages and {row["level"] for row in villages} == {"village"}
    assert error(town.get(REGIONS, {"level": "province"}))["fields"]["level"][0].startswith("层级")
    assert town.get(f"{REGIONS}{cast.village_st.pk}/").status_code == 404
    detail = town.get(f"{REGIONS}{cast.village_sq.pk}/").json()
    assert detail["parent"] == "440113007000" and detail["is_generated"] is True
    children = client_for(cast.users.district).get(REGIONS, {"parent": "440113", "level": "town"}).json()
    assert children["count"] >= 16


# --- authentication -----------------------------------------------------------------------------


def test_token_obtain_and_use(cast):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "cast_town", "password": cast.password}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(f"{PERSONS}{cast.zhang.pk}/").status_code == 200

    bad = APIClient().post(
        "/api/v1/auth/token/", {"username": "cast_town", "password": "wrong"}, format="json"
    )
    assert bad.status_code == 400 and error(bad)["code"] == "invalid"
    assert APIClient(HTTP_AUTHORIZATION="Token nonsense").get(PERSONS).status_code == 401


def test_token_endpoint_failures_count_towards_the_lockout(cast, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/api/v1/auth/token/", {"username": "cast_town", "password": "wrong"}, format="json"
        )
        assert response.status_code == 400
    locked = client.post(
        "/api/v1/auth/token/", {"username": "cast_town", "password": cast.password}, format="json"
    )
    assert locked.status_code == 400 and "token" not in locked.json()
    assert AccessAttempt.objects.filter(username="cast_town").exists()


def test_superuser_from_createsuperuser_noinput_can_use_every_endpoint(cast, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root_api")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-pass-2018!")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.org")
    call_command("createsuperuser", "--noinput", verbosity=0)
    root = User.objects.get(username="root_api")
    assert root.is_superuser and root.scope_id is None

    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": "root_api", "password": "Root-pass-2018!"}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    ids = {row["id"] for row in client.get(PERSONS).json()["results"]}
    assert {cast.zhang.pk, cast.zhao.pk} <= ids
    assert client.get(f"{PERSONS}{cast.zhao.pk}/").status_code == 200
    assert (
        client.get(f"{PERSONS}{cast.zhao.pk}/reveal/?field=id_number").json()["value"] == cast.zhao.id_number
    )
    created = client.post(PERSONS, new_person_payload(region="440113008001"), format="json")
    assert created.status_code == 201, created.content
    person_id = created.json()["id"]
    assert client.patch(f"{PERSONS}{person_id}/", {"phone": "13700001111"}, format="json").status_code == 200
    assert (
        client.post(
            f"{HOUSEHOLDS}{cast.hh_st.pk}/add_member/",
            {"person": person_id, "relation": "child"},
            format="json",
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"{HOUSEHOLDS}{cast.hh_st.pk}/remove_member/", {"person": person_id}, format="json"
        ).status_code
        == 200
    )
    household = client.post(HOUSEHOLDS, {"region": "440113008001", "head": person_id}, format="json")
    assert household.status_code == 201, household.content
    assert (
        client.post(
            f"{HOUSEHOLDS}{household.json()['id']}/move/", {"region": "440113007001"}, format="json"
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"{PERSONS}{person_id}/record_death/", {"death_date": "2018-05-05"}, format="json"
        ).status_code
        == 200
    )
    assert client.get(HOUSEHOLDS).status_code == 200
    assert client.get(REGIONS, {"level": "town"}).json()["count"] >= 16
    assert client.get(f"{REGIONS}{cast.district.pk}/").status_code == 200


# --- query counts --------------------------------------------------------------------------------


def _queries(client, url, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(ctx), len(response.json()["results"])


def _more_people(cast, n=12):
    people = [
        register_person(
            actor=cast.users.admin,
            id_number=make_id_number("440113", date(1990, 1, 1), 200 + i),
            name=f"李{'一二三四五六七八九十'[i % 10]}",
            region=cast.village_st,
            phone="13800138001",
            residence_region=cast.village_sq,
        )
        for i in range(n)
    ]
    for person in people:
        add_member(
            cast.hh_st, actor=cast.users.admin, person=person, relation="other", since=date(2017, 1, 1)
        )
    return people


def test_person_list_query_count_does_not_grow_with_rows(cast, django_assert_max_num_queries):
    _more_people(cast)
    client = client_for(cast.users.district)
    client.get(PERSONS)  # warm the user's scope cache
    one, rows = _queries(client, PERSONS, {"q": cast.zhao.id_number})
    assert rows == 1
    with django_assert_max_num_queries(one):
        response = client.get(PERSONS)
    assert len(response.json()["results"]) > 15


def test_household_list_query_count_does_not_grow_with_rows(cast, django_assert_max_num_queries):
    _more_people(cast)
    client = client_for(cast.users.district)
    client.get(HOUSEHOLDS)
    one, rows = _queries(client, HOUSEHOLDS, {"region": "440113007001", "q": cast.zhang.id_number})
    assert rows == 1
    with django_assert_max_num_queries(one):
        response = client.get(HOUSEHOLDS)
    results = response.json()["results"]
    assert len(results) == 3 and sum(len(h["members"]) for h in results) > 15


def test_region_list_query_count_does_not_grow_with_rows(cast, django_assert_max_num_queries):
    client = client_for(cast.users.district)
    client.get(REGIONS)
    one, rows = _queries(client, REGIONS, {"level": "district"})
    assert rows == 1
    with django_assert_max_num_queries(one):
        response = client.get(REGIONS)
    assert len(response.json()["results"]) > 15


# --- OpenAPI ------------------------------------------------------------------------------------


def test_openapi_schema_validates_without_warnings(tmp_path):
    GENERATOR_STATS.reset()
    out = tmp_path / "s.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/persons/",
        "/api/v1/persons/{id}/reveal/",
        "/api/v1/households/{id}/add_member/",
        "/api/v1/regions/",
        "/api/v1/auth/token/",
    ):
        assert f"{path}:" in text, path


def test_docs_page_loads_nothing_from_other_hosts(db):
    docs = APIClient().get("/api/docs/").content.decode()
    assert "https://" not in docs and "http://" not in docs


def test_schema_and_docs_are_served(cast):
    assert APIClient().get("/api/schema/").status_code == 200
    docs = APIClient().get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


# --- the reusable permission ---------------------------------------------------------------------


class _ReadOnlyView(APIView):
    permission_classes = [HasCapability]
    read_capability = Capability.AUDIT_VIEW

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"ok": True})


class _OpenView(_ReadOnlyView):
    read_capability = None
    write_capability = None


@pytest.mark.parametrize(
    ("view", "method", "role", "status"),
    [
        (_ReadOnlyView, "get", "leader", 200),  # leaders may read the audit log
        (_ReadOnlyView, "get", "town", 403),  # town caseworkers may not
        (_ReadOnlyView, "post", "admin", 403),  # nothing declared for writes: refused, even for admin
        (_OpenView, "post", "public", 200),  # None: any signed-in user
    ],
)
def test_has_capability_reads_the_views_declaration_and_fails_closed(cast, view, method, role, status):
    request = getattr(APIRequestFactory(), method)("/x/")
    force_authenticate(request, user=getattr(cast.users, role))
    response = view.as_view()(request)
    assert response.status_code == status
    if status == 403 and method == "get":
        assert "查看审计日志" in response.data["error"]["message"]
