"""The statistics pages through the test client: scope (a town sees only its town), drill-down to
masked records, the audited XLSX export, charts, and the errors for bad input."""

import io
import json
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from minzheng.core.masking import display_name
from minzheng.core.models import AuditLog
from minzheng.registry.models import Person

SHATOU = "440113008000"
DISTRICT = "440113"


def page(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def text(response) -> str:
    return response.content.decode()


def test_the_district_overview_shows_every_area_and_links_each_figure_to_its_records(client, cast):
    response = page(client, cast.users.district, "/stats/", period="2018")
    assert response.status_code == 200
    html = text(response)
    assert "番禺区 统计总览 · 2018年" in html
    for title in ["社会救助", "养老服务", "社区治理", "社会组织", "双拥优抚安置", "专项事务", "底册与发放"]:
        assert title in html
    assert 'href="/stats/indicator/registry.persons/records/?period=2018&amp;region=440113"' in html
    assert 'data-figure="registry.persons">5</a>' in html
    assert "/stats/indicator/registry.elderly/charts/?period=2018&amp;region=440113" in html  # charts slot


def test_a_town_caseworker_sees_only_their_town(client, cast):
    response = page(client, cast.users.town, "/stats/", period="2018")
    html = text(response)
    assert "市桥街道 统计总览 · 2018年" in html
    assert 'data-figure="registry.persons">4</a>' in html
    # the district is shown in the chain, but not as a link
    assert f'region={DISTRICT}"' not in html and f'<strong data-region="{DISTRICT}">番禺区</strong>' in html


@pytest.mark.parametrize(
    "url",
    [
        "/stats/",
        "/stats/area/overview/",
        "/stats/indicator/registry.persons/",
        "/stats/indicator/registry.persons/records/",
        "/stats/indicator/registry.persons/charts/",
        "/stats/annual-report/",
    ],
)
@pytest.mark.parametrize("code", [DISTRICT, SHATOU, "440113008001"])
def test_another_region_is_a_logged_404_on_every_page(client, cast, url, code):
    response = page(client, cast.users.town, url, period="2018", region=code)
    assert response.status_code == 404
    assert AuditLog.objects.filter(action="access_denied", actor=cast.users.town).exists()


def test_the_export_of_another_town_is_a_404(client, cast):
    response = page(
        client,
        cast.users.town,
        "/stats/indicator/registry.persons/records/",
        period="2018",
        region=SHATOU,
        format="xlsx",
    )
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action="export").exists()


def test_a_village_assistant_drills_only_into_their_village(client, cast):
    assert page(client, cast.users.village, "/stats/", period="2018").status_code == 200
    assert (
        page(client, cast.users.village, "/stats/", period="2018", region="440113007000").status_code == 404
    )


def test_drill_down_from_district_to_town_to_village(client, cast):
    fragment = text(
        page(client, cast.users.district, "/stats/indicator/registry.persons/charts/", period="2018")
    )
    assert 'data-drill="440113007000"' in fragment and 'data-drill="440113008000"' in fragment
    chart = re.search(r'id="chart-by-region" data-type="bar" data-value="([^"]+)"', fragment)
    data = json.loads(chart.group(1).replace("&quot;", '"'))
    by_town = dict(zip(data["labels"], data["datasets"][0]["data"], strict=True))
    assert (by_town["市桥街道"], by_town["沙头街道"]) == (4, 1)
    line = re.search(r'id="chart-by-month" data-type="line" data-value="([^"]+)"', fragment)
    months = json.loads(line.group(1).replace("&quot;", '"'))
    assert months["labels"] == [f"{m}月" for m in range(1, 13)] and set(months["datasets"][0]["data"]) == {5}
    town = text(
        page(
            client,
            cast.users.district,
            "/stats/indicator/registry.persons/charts/",
            period="2018",
            region="440113007000",
        )
    )
    assert 'data-drill="440113007001"' in town and "440113008" not in town
    village = text(
        page(
            client,
            cast.users.district,
            "/stats/indicator/registry.persons/charts/",
            period="2018",
            region="440113007001",
        )
    )
    assert "该区域没有下级区域" in village


def test_the_record_list_is_scoped_and_masked(client, cast):
    response = page(client, cast.users.town, "/stats/indicator/registry.persons/records/", period="2018")
    html = text(response)
    assert response.status_code == 200
    assert '<strong id="records-count">4</strong>' in html
    for person in Person.objects.filter(region=cast.village_sq):
        assert display_name(person) in html
        assert person.id_number not in html and person.masked_id_number in html
    assert "13800138000" not in html and "138****8000" in html
    assert "赵六" not in html


def test_the_xlsx_export_is_masked_and_audited(client, cast):
    response = page(
        client, cast.users.town, "/stats/indicator/registry.persons/records/", period="2018", format="xlsx"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:2] == ("姓名", "身份证号码")
    people = rows[3:]
    assert sorted(r[0] for r in people) == sorted(
        ["张三明", "李四芳", "张**", "王五"]
    )  # the child (born 2010) is masked
    assert all("*" in r[1] for r in people) and all(r[6] == "138****8000" for r in people)
    log = AuditLog.objects.get(action="export", actor=cast.users.town)
    assert log.changes == {
        "indicator": "registry.persons",
        "period": "2018",
        "region": "440113007000",
        "rows": 4,
        "masked": True,
        "format": "xlsx",
    }


def test_roles_without_export_cannot_export(client, cast, monkeypatch):
    from minzheng.accounts import roles

    monkeypatch.setitem(
        roles.CAPABILITIES, "town", roles.CAPABILITIES["town"] - {roles.Capability.DATA_EXPORT}
    )
    response = page(
        client, cast.users.town, "/stats/indicator/registry.persons/records/", period="2018", format="xlsx"
    )
    assert response.status_code == 403
    assert "records-export" not in text(
        page(client, cast.users.town, "/stats/indicator/registry.persons/records/", period="2018")
    )


def test_an_area_page_lists_its_indicators_with_definitions(client, cast):
    html = text(page(client, cast.users.district, "/stats/area/overview/", period="2018Q4"))
    assert "底册与发放 · 番禺区 · 2018年第四季度" in html
    assert 'data-indicator="registry.elderly_resident"' in html and "实际居住" in html


def test_the_indicator_page_shows_definition_value_and_targets(client, cast):
    from minzheng.stats.services import set_target

    set_target(actor=cast.users.district, indicator_id="registry.households", year=2018, value=6)
    html = text(page(client, cast.users.district, "/stats/indicator/registry.households/", period="2018"))
    assert "家庭户" in html and "Households" in html and "至少有一名现有成员" in html
    assert 'data-figure="registry.households">3</a>' in html
    assert "完成 50.0%" in html


def test_an_area_without_indicators_has_no_page(client, cast, only_indicators):
    only_indicators("registry.")
    assert page(client, cast.users.district, "/stats/area/assistance/").status_code == 404
    assert page(client, cast.users.district, "/stats/area/nosuch/").status_code == 404
    html = text(page(client, cast.users.district, "/stats/", period="2018"))
    assert "平台尚无该领域的业务记录，未建立统计指标。" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2018Q5"}, "格式不正确"),
        ({"period": "abc"}, "格式不正确"),
        ({"year": "2018", "part": "13"}, "格式不正确"),
        ({"period": str(timezone.localdate().year + 1)}, "未来"),
    ],
)
def test_bad_periods_are_400_with_the_reason(client, cast, params, message):
    for url in [
        "/stats/",
        "/stats/indicator/registry.persons/records/",
        "/stats/indicator/registry.persons/charts/",
    ]:
        response = page(client, cast.users.district, url, **params)
        assert response.status_code == 400 and message in text(response)


def test_period_form_fields_compose_a_period(client, cast):
    assert "2018年第四季度" in text(page(client, cast.users.district, "/stats/", year="2018", part="Q4"))
    assert "2018年3月" in text(page(client, cast.users.district, "/stats/", year="2018", part="03"))


def test_unknown_indicators_and_formats(client, cast):
    assert page(client, cast.users.district, "/stats/indicator/no.such/").status_code == 404
    assert page(client, cast.users.district, "/stats/indicator/no.such/records/").status_code == 404
    response = page(client, cast.users.district, "/stats/indicator/registry.persons/records/", format="pdf")
    assert response.status_code == 400 and "xlsx" in text(response)
    assert page(client, cast.users.district, "/stats/", chart="no.such").status_code == 404


def test_anonymous_users_log_in_first_and_outside_roles_are_refused(client, cast):
    response = client.get("/stats/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(cast.users.public)
    assert client.get("/stats/").status_code in (302, 403)


def test_the_overview_query_count_does_not_grow_with_the_data(client, cast, django_assert_max_num_queries):
    from minzheng.stats.registry import all_indicators

    client.force_login(cast.users.district)
    with django_assert_max_num_queries(20 + len(all_indicators())):
        assert client.get("/stats/", {"period": "2018"}).status_code == 200
