"""临时救助: a one-off grant after an emergency, limited by the standard's `max_amount` (data)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minzheng.accounts.models import User
from minzheng.assistance.models import TemporaryAid
from minzheng.assistance.services.medical import grant_temporary_aid
from minzheng.benefits.models import AmountPeriod
from minzheng.benefits.services import set_standard
from minzheng.core.models import AuditLog
from minzheng.core.months import Month


@pytest.fixture
def limit(cast, programs):
    set_standard(
        actor=cast.users.district,
        scheme=programs.temporary,
        region=cast.district,
        valid_from=Month(2018, 6),
        document="番民〔2018〕30号（测试）",
        params={"max_amount": "5000"},
    )
    return programs


def grant(cast, person, amount, *, actor=None, day=date(2018, 7, 10), **extra):
    return grant_temporary_aid(
        actor=actor or cast.users.district,
        person=person,
        emergency_type=extra.pop("emergency_type", "fire"),
        amount=Decimal(amount),
        reason=extra.pop("reason", "住房失火，家庭财产损失严重"),
        occurred_on=extra.pop("occurred_on", date(2018, 7, 2)),
        granted_on=day,
        **extra,
    )


def test_grant_pays_once_in_its_month(cast, limit):
    aid = grant(cast, cast.zhao, "3000", household=cast.hh_st)
    entitlement = aid.entitlement
    assert (
        entitlement.scheme.code,
        entitlement.fixed_amount,
        entitlement.start_month,
        entitlement.end_month,
    ) == (
        "temporary",
        Decimal("3000.00"),
        date(2018, 7, 1),
        date(2018, 7, 1),
    )
    assert [
        (p.from_month, p.to_month, p.amount) for p in AmountPeriod.objects.filter(entitlement=entitlement)
    ] == [(date(2018, 7, 1), date(2018, 7, 1), Decimal("3000.00"))]
    assert aid.region == cast.village_st and aid.approved_by == cast.users.district
    assert AuditLog.objects.filter(action="grant_temporary_aid", object_id=str(aid.pk)).exists()


def test_amount_limit_is_the_standard(cast, limit):
    with pytest.raises(ValidationError) as error:
        grant(cast, cast.zhao, "5000.01")
    assert "超过临时救助上限5000元（番民〔2018〕30号（测试））" in error.value.message_dict["amount"][0]
    assert grant(cast, cast.zhao, "5000").amount == Decimal("5000.00")
    with pytest.raises(ValidationError) as error:  # before June no limit is set: refused, not unlimited
        grant(cast, cast.zhao, "100", day=date(2018, 3, 1), occurred_on=date(2018, 2, 27))
    assert "没有设定临时救助金额上限" in error.value.message_dict["amount"][0]


def test_bad_input_and_scope(cast, limit):
    with pytest.raises(ValidationError) as error:
        grant(cast, cast.zhao, "0", reason=" ", emergency_type="flood", occurred_on=date(2018, 8, 1))
    assert set(error.value.message_dict) == {"amount", "reason", "emergency_type", "occurred_on"}
    with pytest.raises(ValidationError) as error:
        grant(cast, cast.zhao, "100", household=cast.hh_sq)
    assert error.value.message_dict["household"] == ["赵六不是该家庭户的成员"]
    officer = User.objects.create(username="temporary_shatou", role="district", scope=cast.shatou)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        grant(cast, cast.zhang, "100", actor=officer)
    with pytest.raises(PermissionDenied):
        grant(cast, cast.zhang, "100", actor=cast.users.town)
    assert not TemporaryAid.objects.exists()
