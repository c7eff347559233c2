"""Back office and API of 医疗救助 / 临时救助: the diagnosis masked in lists, the claim entry page
showing the cap message, scoped lists, the API's masking and cap note, query counts."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from minzheng.assistance.models import MedicalClaim
from minzheng.assistance.services.medical import approve_claim
from minzheng.benefits.services import set_standard
from minzheng.core.models import AuditLog
from minzheng.core.months import Month

CLAIMS = "/admin/assistance/medicalclaim/"
API = "/api/v1/assistance/medical-claims/"


@pytest.fixture
def claims(cast, programs):
    """市桥 (张三明): cap 1000 at 80 %; 沙头 (赵六): the district's 70 %. Diagnoses recorded."""
    set_standard(
        actor=cast.users.district,
        scheme=programs.medical,
        region=cast.shiqiao,
        valid_from=Month(2018, 1),
        document="桥民〔2018〕7号（测试）",
        params={"ratio": "0.8", "deductible": "0", "annual_cap": "1000"},
    )

    def claim(person, day, total, diagnosis):
        return approve_claim(
            actor=cast.users.district,
            person=person,
            visit_date=day,
            hospital="番禺区中心医院",
            visit_type="inpatient",
            total_cost=Decimal(total),
            insurance_paid=Decimal("0"),
            diagnosis=diagnosis,
        )

    return [
        claim(cast.zhang, date(2018, 3, 1), "1000", "恶性肿瘤"),
        claim(cast.zhao, date(2018, 3, 2), "500", "慢性肾病"),
    ]


def body(response) -> str:
    return response.content.decode()


def test_claim_list_masks_the_diagnosis_and_is_scoped(client, cast, claims):
    client.force_login(cast.users.district)
    page = body(client.get(CLAIMS))
    assert "张三明" in page and "赵六" in page
    assert "恶性肿瘤" not in page and "慢性肾病" not in page
    assert "已填写（已隐藏）" in page
    assert cast.zhang.id_number not in page and cast.zhang.masked_id_number in page
    client.force_login(cast.users.town)  # 市桥: sees 张三明 only
    page = body(client.get(CLAIMS))
    assert "张三明" in page and "赵六" not in page
    assert client.get(f"/assistance/medical/claims/{claims[1].pk}/").status_code == 404


def test_claim_page_hides_the_diagnosis_until_revealed_with_an_audit(client, cast, claims):
    client.force_login(cast.users.district)
    page = body(client.get(f"/assistance/medical/claims/{claims[0].pk}/"))
    assert "恶性肿瘤" not in page and "（健康信息，已隐藏）" in page
    url = f"/backoffice/reveal/assistance.medicalclaim/{claims[0].pk}/diagnosis/"
    revealed = client.post(url)
    assert revealed.status_code == 200 and "恶性肿瘤" in body(revealed)
    assert AuditLog.objects.filter(
        action="reveal", object_id=str(claims[0].pk), changes__field="diagnosis"
    ).exists()


def test_claim_entry_page_shows_the_cap_message(client, cast, claims):
    client.force_login(cast.users.district)
    assert client.get("/assistance/medical/claims/new/").status_code == 200
    form = {
        "id_number": cast.zhang.id_number,
        "visit_date": "2018-04-02",
        "hospital": "市桥医院",
        "visit_type": "outpatient",
        "total_cost": "500",
        "insurance_paid": "100",
        "other_paid": "",
        "diagnosis": "",
    }
    response = client.post("/assistance/medical/claims/new/", form, follow=True)
    page = body(response)
    claim = MedicalClaim.objects.get(visit_date=date(2018, 4, 2))
    assert claim.reimbursed == Decimal("200.00") and claim.capped  # 800 used of 1000; 320 computed
    assert "已达年度封顶线：年度封顶 1000.00 元，本年已救助 800.00 元" in page
    bad = client.post("/assistance/medical/claims/new/", {**form, "insurance_paid": "900"})
    assert bad.status_code == 400 and "超过医疗总费用" in body(bad)
    outside = client.post("/assistance/medical/claims/new/", {**form, "id_number": "440113199001011235"})
    assert "未找到该号码的人员" in body(outside)
    client.force_login(cast.users.town)  # a town caseworker may not approve claims
    assert client.get("/assistance/medical/claims/new/").status_code == 403


def test_temporary_aid_page_and_list(client, cast, programs):
    set_standard(
        actor=cast.users.district,
        scheme=programs.temporary,
        region=cast.district,
        valid_from=Month(2018, 6),
        document="番民〔2018〕30号（测试）",
        params={"max_amount": "5000"},
    )
    client.force_login(cast.users.district)
    form = {
        "id_number": cast.zhao.id_number,
        "emergency_type": "fire",
        "occurred_on": "2018-07-01",
        "amount": "6000",
        "reason": "住房失火",
    }
    refused = client.post("/assistance/medical/temporary-aid/new/", form)
    assert refused.status_code == 400 and "超过临时救助上限5000元" in body(refused)
    response = client.post("/assistance/medical/temporary-aid/new/", {**form, "amount": "3000"})
    assert response.status_code == 302
    page = body(client.get("/admin/assistance/temporaryaid/"))
    assert "赵六" in page and "3000" in page


def test_api_lists_without_diagnosis_and_answers_with_the_cap_note(cast, claims):
    api = APIClient()
    api.force_authenticate(cast.users.district)
    with CaptureQueriesContext(connection) as queries:
        listed = api.get(API)
    assert listed.status_code == 200 and len(queries) <= 8
    rows = listed.json()["results"] if "results" in listed.json() else listed.json()
    assert {row["person_name"] for row in rows} == {"张三明", "赵六"}
    assert "恶性肿瘤" not in listed.content.decode() and all("diagnosis" not in row for row in rows)
    created = api.post(
        API,
        {
            "person": cast.zhang.pk,
            "visit_date": "2018-05-01",
            "hospital": "市桥医院",
            "visit_type": "outpatient",
            "total_cost": "400",
            "insurance_paid": "0",
        },
        format="json",
    )
    assert created.status_code == 201
    data = created.json()
    assert data["reimbursed"] == "200.00" and data["capped"] is True and "封顶" in data["cap_note"]
    town = APIClient()
    town.force_authenticate(cast.users.town)
    assert {row["person_name"] for row in _rows(town.get(API))} == {"张三明"}
    assert town.post(API, {}, format="json").status_code == 403


def _rows(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) else data
