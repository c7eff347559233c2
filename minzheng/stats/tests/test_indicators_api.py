import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from minzheng.core.models import AuditLog
from minzheng.stats.registry import all_indicators

URL = "/api/v1/indicators/"


@pytest.fixture
def api():
    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


def values(response):
    return {item["id"]: item["value"] for item in response.json()["indicators"]}


def test_a_town_caseworker_gets_their_town_by_default(api, cast):
    response = api(cast.users.town).get(URL, {"year": "2018"})
    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["period"], body["region"]) == (2018, "2018", "440113007000")
    assert values(response)["registry.persons"] == 4 and values(response)["registry.households"] == 2


def test_the_district_may_ask_for_any_town(api, cast):
    response = api(cast.users.district).get(URL, {"year": "2018", "region": "440113008000"})
    assert response.status_code == 200 and values(response)["registry.persons"] == 1


def test_an_unscoped_superuser_defaults_to_the_district(api, cast):
    cast.users.admin.scope = None
    response = api(cast.users.admin).get(URL, {"year": "2018"})
    assert response.json()["region"] == "440113" and values(response)["registry.persons"] == 5


@pytest.mark.parametrize("code", ["440113", "440113008000", "440113008001"])
def test_a_region_outside_the_scope_is_a_logged_404(api, cast, code):
    response = api(cast.users.town).get(URL, {"year": "2018", "region": code})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert AuditLog.objects.filter(action="access_denied", actor=cast.users.town).exists()


def test_an_unknown_region_is_a_404_too(api, cast):
    response = api(cast.users.district).get(URL, {"year": "2018", "region": "999999"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "year"),
        ({"year": "2018Q4"}, "year"),
        ({"year": "abcd"}, "year"),
        ({"period": "2018Q5"}, "period"),
        ({"year": "2018", "period": "2018"}, "period"),
        ({"year": "2018", "indicator": "no.such"}, "indicator"),
    ],
)
def test_bad_requests_are_400_in_the_error_format(api, cast, params, field):
    response = api(cast.users.district).get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]
    assert error["message"].startswith("提交的数据有误：")


def test_a_future_period_is_400(api, cast):
    response = api(cast.users.district).get(URL, {"year": str(timezone.localdate().year + 1)})
    assert response.status_code == 400 and "未来" in response.json()["error"]["fields"]["year"][0]


def test_a_quarter_and_a_chosen_indicator(api, cast):
    response = api(cast.users.district).get(URL, {"period": "2010Q1", "indicator": "registry.persons"})
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["year"]) == ("2010Q1", 2010)
    assert body["indicators"] == [
        {
            "id": "registry.persons",
            "name": "在册人员",
            "unit": "人",
            "value": 5,
            "numerator": None,
            "denominator": None,
        }
    ]


def test_roles_without_registry_view_are_refused_and_anonymous_must_log_in(api, cast):
    assert api(cast.users.public).get(URL, {"year": "2018"}).status_code == 403
    assert api(cast.users.socialorg).get(URL, {"year": "2018"}).status_code == 403
    response = api().get(URL, {"year": "2018"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_a_leader_reads_the_district(api, cast):
    response = api(cast.users.leader).get(URL, {"year": "2018", "region": "440113"})
    assert response.status_code == 200 and values(response)["registry.households"] == 3


def test_the_query_count_does_not_grow_with_the_data(api, cast, django_assert_max_num_queries):
    """One query per registered indicator (a count) plus a fixed few (user, region, scope)."""
    client = api(cast.users.district)
    with django_assert_max_num_queries(5 + len(all_indicators())):
        client.get(URL, {"year": "2018", "region": "440113007000"})
