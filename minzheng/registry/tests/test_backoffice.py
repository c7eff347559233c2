"""The back office screens for the register, through Django's test client."""

from datetime import date

from minzheng.core.models import AuditLog
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Membership
from minzheng.registry.services import register_person


def login(client, user):
    client.force_login(user)
    return client


def test_home_page_counts_the_users_scope(client, cast):
    body = login(client, cast.users.town).get("/admin/").content.decode()
    assert "市桥街道 工作概况" in body
    # 市桥 has 4 living persons in the cast; 沙头's are not counted
    assert 'data-kpi="在册人员">4 ' in body


def test_person_list_is_masked_and_scoped(client, cast):
    body = login(client, cast.users.town).get("/admin/registry/person/").content.decode()
    assert "张三明" in body and "赵六" not in body
    assert cast.zhang.id_number not in body and cast.zhang.masked_id_number in body
    assert "13800138000" not in body


def test_person_search_by_id_tail_and_initials(client, cast):
    login(client, cast.users.town)
    body = client.get("/admin/registry/person/", {"q": cast.zhang.id_number[-6:]}).content.decode()
    assert "张三明" in body and "李四芳" not in body
    body = client.get("/admin/registry/person/", {"q": "zsm"}).content.decode()
    assert "张三明" in body and "李四芳" not in body


def test_other_towns_record_is_404_and_logged(client, cast):
    login(client, cast.users.town_other)
    assert client.get(f"/admin/registry/person/{cast.zhang.pk}/change/").status_code == 404
    assert client.get(f"/backoffice/households/{cast.hh_sq.pk}/file/").status_code == 404
    assert AuditLog.objects.filter(action="access_denied", actor=cast.users.town_other).count() == 2


def test_add_person_with_a_wrong_id_number_shows_the_error(client, cast):
    login(client, cast.users.town)
    good = make_id_number("440113", date(1991, 3, 4), 77)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    response = client.post(
        "/admin/registry/person/add/",
        {
            "id_number": bad,
            "name": "林一",
            "region": cast.village_sq.pk,
            "marital_status": "unknown",
        },
    )
    assert response.status_code == 200
    assert "身份证号码校验位不正确" in response.content.decode()
    response = client.post(
        "/admin/registry/person/add/",
        {
            "id_number": good,
            "name": "林一",
            "region": cast.village_sq.pk,
            "marital_status": "unknown",
        },
    )
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="create", object_repr__startswith="林一").exists()


def test_household_file_add_member_appears_in_history(client, cast):
    login(client, cast.users.town)
    newcomer = register_person(
        actor=cast.users.town,
        id_number=make_id_number("440113", date(1988, 8, 8), 91),
        name="黄新",
        region=cast.village_sq,
    )
    url = f"/backoffice/households/{cast.hh_sq2.pk}/file/"
    response = client.post(
        url, {"action": "add_member", "add-id_number": newcomer.id_number, "add-relation": "child"}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(household=cast.hh_sq2, person=newcomer, valid_to__isnull=True).exists()
    body = client.get(url).content.decode()
    assert "成员入户" in body and "黄新" in body


def test_household_file_refuses_a_member_of_another_household(client, cast):
    login(client, cast.users.town)
    url = f"/backoffice/households/{cast.hh_sq2.pk}/file/"
    response = client.post(
        url, {"action": "add_member", "add-id_number": cast.zhang.id_number, "add-relation": "other"}
    )
    assert response.status_code == 200 and "已是家庭户" in response.content.decode()


def test_read_only_roles_cannot_change(client, cast):
    login(client, cast.users.leader)
    assert client.get("/admin/registry/person/").status_code == 200
    assert client.get("/admin/registry/person/add/").status_code == 403
    url = f"/backoffice/households/{cast.hh_sq2.pk}/file/"
    assert (
        client.post(url, {"action": "remove_member", "person": cast.zhang.pk, "reason": "x"}).status_code
        == 403
    )


def test_reveal_is_a_permission_and_audited(client, cast):
    url = f"/backoffice/reveal/registry.person/{cast.zhang.pk}/id_number/"
    assert login(client, cast.users.village).post(url).status_code == 403
    response = login(client, cast.users.town).post(url)
    assert response.status_code == 200 and cast.zhang.id_number in response.content.decode()
    assert AuditLog.objects.filter(
        action="reveal", actor=cast.users.town, object_id=str(cast.zhang.pk)
    ).exists()


def test_public_and_social_org_users_have_no_back_office(client, cast):
    for user in (cast.users.public, cast.users.socialorg):
        client.force_login(user)
        assert client.get("/admin/registry/person/").status_code == 302  # back to login


def test_every_back_office_list_renders_for_the_admin(client, cast):
    login(client, cast.users.admin)
    for url in [
        "/admin/",
        "/admin/registry/region/",
        "/admin/registry/household/",
        "/admin/accounts/user/",
        "/admin/core/auditlog/",
        "/admin/core/job/",
        "/admin/core/calendarday/",
        f"/admin/registry/person/{cast.zhang.pk}/change/",
        "/admin/registry/household/add/",
        f"/admin/registry/region/{cast.village_sq.pk}/change/",
        "/admin/accounts/user/add/",
    ]:
        assert client.get(url).status_code == 200, url
