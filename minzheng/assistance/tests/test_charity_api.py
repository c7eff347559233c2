"""慈善 and 防灾减灾 API and back office: scope, POST through the service, Chinese errors."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from minzheng.assistance.models import Donation
from minzheng.assistance.services.charity import create_campaign
from minzheng.assistance.services.disaster import open_shelter, record_event


@pytest.fixture
def campaign(cast):
    return create_campaign(
        actor=cast.users.district,
        name="2018年广东扶贫济困日",
        region=cast.district,
        starts_on=date(2018, 5, 1),
        ends_on=date(2018, 9, 30),
    )


def _post(api, campaign, region, receipt="R-1", **extra):
    data = {
        "campaign": campaign.pk,
        "donor_type": "company",
        "donor_name": "番禺实业有限公司",
        "amount": "50000.00",
        "received_on": "2018-06-30",
        "receipt_number": receipt,
        "region": region.pk,
        **extra,
    }
    return api.post("/api/v1/assistance/donations/", data, format="json")


def test_post_donation_through_the_service(cast, campaign):
    api = APIClient()
    api.force_authenticate(cast.users.town)
    created = _post(api, campaign, cast.shiqiao)
    assert created.status_code == 201, created.content
    assert Donation.objects.get().amount == Decimal("50000.00")
    duplicate = _post(api, campaign, cast.shiqiao)
    assert duplicate.status_code == 400 and "已登记" in duplicate.content.decode()
    late = _post(api, campaign, cast.shiqiao, receipt="R-2", received_on="2018-10-08")
    assert late.status_code == 400 and "不在活动" in late.content.decode()
    assert _post(api, campaign, cast.shatou, receipt="R-3").status_code == 403
    api.force_authenticate(cast.users.town_other)
    assert api.get("/api/v1/assistance/donations/").json()["count"] == 0
    api.force_authenticate(cast.users.leader)
    assert api.get("/api/v1/assistance/donations/").json()["count"] == 1
    assert _post(api, campaign, cast.district, receipt="R-4").status_code == 403


def test_charity_admin_pages(client, cast, campaign):
    api = APIClient()
    api.force_authenticate(cast.users.town)
    _post(api, campaign, cast.shiqiao)
    client.force_login(cast.users.town_other)
    page = client.get(reverse("admin:assistance_charitycampaign_changelist")).content.decode()
    assert campaign.name in page
    assert "R-1" not in client.get(reverse("admin:assistance_donation_changelist")).content.decode()
    client.force_login(cast.users.town)
    assert "R-1" in client.get(reverse("admin:assistance_donation_changelist")).content.decode()
    added = client.post(
        reverse("admin:assistance_donation_add"),
        {
            "campaign": campaign.pk,
            "donor_type": "person",
            "donor_name": "",
            "amount": "100",
            "received_on": "2018-06-30",
            "receipt_number": "R-9",
            "region": cast.shiqiao.pk,
        },
    )
    assert added.status_code == 200 and "请填写捐赠人" in added.content.decode()


def test_disaster_api_and_admin_are_scoped(client, cast):
    event = record_event(
        actor=cast.users.district,
        name="台风“山竹”",
        kind="typhoon",
        started_on=date(2018, 9, 14),
        affected_towns=[cast.shiqiao, cast.shatou],
    )
    open_shelter(
        actor=cast.users.district,
        event=event,
        place="市桥小学",
        region=cast.village_sq,
        opened_on=date(2018, 9, 15),
    )
    open_shelter(
        actor=cast.users.district,
        event=event,
        place="沙头中学",
        region=cast.village_st,
        opened_on=date(2018, 9, 15),
    )
    api = APIClient()
    api.force_authenticate(cast.users.town)
    body = api.get(f"/api/v1/assistance/disaster-events/{event.pk}/").json()
    assert [s["place"] for s in body["shelters"]] == ["市桥小学"]
    assert sorted(body["affected_towns"]) == sorted(["市桥街道", "沙头街道"])
    client.force_login(cast.users.town)
    assert (
        "沙头中学" not in client.get(reverse("admin:assistance_shelteropening_changelist")).content.decode()
    )
    assert client.get(reverse("admin:assistance_disasterevent_change", args=[event.pk])).status_code == 200
