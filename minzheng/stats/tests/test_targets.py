"""Targets from the work plan, with progress against the live district value."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from minzheng.core.models import AuditLog
from minzheng.stats.models import Target
from minzheng.stats.selectors import target_progress
from minzheng.stats.services import delete_target, set_target


def test_progress_is_the_live_value_against_the_target(cast):
    target = set_target(
        actor=cast.users.district, indicator_id="registry.persons", year=2018, value="8", note="测试"
    )
    progress = target_progress(target)
    # 5 persons on the register at the end of 2018 (see test_register_indicators): 5 / 8 = 62.5 %
    assert (progress.live.value, progress.percent, progress.status) == (5, Decimal("62.5"), "尚未达到目标")
    target = set_target(actor=cast.users.district, indicator_id="registry.persons", year=2018, value="5")
    assert (target_progress(target).percent, target_progress(target).status) == (
        Decimal("100.0"),
        "已达到目标",
    )
    assert Target.objects.count() == 1
    assert list(AuditLog.objects.filter(object_type="stats.target").values_list("action", flat=True)) == [
        "update",
        "create",
    ]


def test_a_target_for_a_future_year_has_not_started(cast):
    year = timezone.localdate().year + 1
    target = set_target(actor=cast.users.district, indicator_id="registry.households", year=year, value=4)
    assert target_progress(target).status == "目标年度尚未开始"


def test_a_rate_target_against_a_rate(cast, add_indicator):
    from .conftest import rate

    add_indicator("eldercare.insurance.selfpaid_rate", lambda p, r: rate(1, 4), unit="%", kind="rate")
    target = set_target(
        actor=cast.users.district, indicator_id="eldercare.insurance.selfpaid_rate", year=2018, value=50
    )
    progress = target_progress(target)
    assert (progress.live.value, progress.percent) == (Decimal("25.00"), Decimal("50.0"))
    with pytest.raises(ValidationError):
        set_target(
            actor=cast.users.district, indicator_id="eldercare.insurance.selfpaid_rate", year=2019, value=120
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"indicator_id": "no.such"}, "indicator_id"),
        ({"year": 19}, "year"),
        ({"value": "abc"}, "value"),
        ({"value": "-1"}, "value"),
    ],
)
def test_bad_targets_are_refused_with_the_field(cast, changes, field):
    data = {"indicator_id": "registry.persons", "year": 2019, "value": "10", **changes}
    with pytest.raises(ValidationError) as err:
        set_target(actor=cast.users.district, **data)
    assert field in err.value.message_dict


def test_only_district_managers_set_targets(cast):
    with pytest.raises(PermissionDenied):
        set_target(actor=cast.users.town, indicator_id="registry.persons", year=2019, value=1)
    target = set_target(actor=cast.users.admin, indicator_id="registry.persons", year=2019, value=1)
    with pytest.raises(PermissionDenied):
        delete_target(target, actor=cast.users.leader)
    delete_target(target, actor=cast.users.district)
    assert not Target.objects.exists()


def test_the_target_admin_goes_through_the_service(client, cast):
    client.force_login(cast.users.district)
    response = client.post(
        "/admin/stats/target/add/",
        {"indicator_id": "registry.households", "year": "2019", "value": "4", "note": "计划"},
    )
    assert response.status_code == 302
    target = Target.objects.get()
    assert (target.indicator_id, target.year, target.value, target.created_by) == (
        "registry.households",
        2019,
        Decimal("4.00"),
        cast.users.district,
    )
    listing = client.get("/admin/stats/target/").content.decode()
    assert "家庭户（registry.households）" in listing
    client.force_login(cast.users.town)
    assert client.get("/admin/stats/target/").status_code == 200
    assert client.get("/admin/stats/target/add/").status_code == 403
