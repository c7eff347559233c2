"""精准扶贫 back office and API: scope, masking, the exit page calling its service."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from minzheng.assistance.models import PovertyStatus
from minzheng.assistance.services.poverty import (
    add_measure,
    pair_helper,
    record_visit,
    register_poor_household,
)


@pytest.fixture
def files(cast):
    actor = cast.users.district
    records = []
    for household in (cast.hh_sq, cast.hh_st):
        record = register_poor_household(
            actor=actor, household=household, registered_on=date(2016, 10, 20), cause="illness"
        )
        helper = pair_helper(
            record,
            actor=actor,
            name="陈志明",
            unit="区民政局",
            valid_from=date(2016, 11, 1),
            phone="13912345678",
        )
        add_measure(record, actor=actor, kind="health", description="家庭医生签约", taken_on=date(2017, 1, 5))
        record_visit(record, actor=actor, visited_on=date(2017, 2, 1), helper=helper, notes="走访")
        records.append(record)
    return records


def test_admin_list_is_scoped(client, cast, files):
    client.force_login(cast.users.town)
    page = client.get(reverse("admin:assistance_poorhousehold_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "张三明" in text and "赵六" not in text
    assert client.get(reverse("admin:assistance_poorhousehold_change", args=[files[1].pk])).status_code == 404
    helpers = client.get(reverse("admin:assistance_pairedhelper_changelist")).content.decode()
    assert "139****5678" in helpers and "13912345678" not in helpers


def test_exit_page_calls_the_service(client, cast, files):
    client.force_login(cast.users.town)
    url = reverse("assistance:poverty-exit", args=[files[0].pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"exited_on": "2018-06-01", "verification": " "})
    assert refused.status_code == 400
    done = client.post(url, {"exited_on": "2018-06-01", "verification": "核验通过"})
    assert done.status_code == 302
    files[0].refresh_from_db()
    assert files[0].status == PovertyStatus.EXITED
    assert client.get(reverse("assistance:poverty-exit", args=[files[1].pk])).status_code == 404
    client.force_login(cast.users.leader)  # read-only role
    assert client.get(reverse("assistance:poverty-reopen", args=[files[0].pk])).status_code == 403


def test_api_is_scoped_and_masks_phones(cast, files, django_assert_max_num_queries):
    api = APIClient()
    api.force_authenticate(cast.users.town)
    with django_assert_max_num_queries(12):
        body = api.get("/api/v1/assistance/poor-households/").json()
    assert [row["head"] for row in body["results"]] == ["张三明"]
    assert body["results"][0]["helpers"][0]["phone"] == "139****5678"
    assert api.get(f"/api/v1/assistance/poor-households/{files[1].pk}/").status_code == 404
    api.force_authenticate(cast.users.district)
    assert api.get("/api/v1/assistance/poor-households/?status=registered").json()["count"] == 2
    api.force_authenticate(cast.users.public)
    assert api.get("/api/v1/assistance/poor-households/").status_code == 403
