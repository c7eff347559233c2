"""The published charity figure counts the 广东扶贫济困日 campaign only (FIGURES.md: "donation
receipts of the campaign"); `…donations_all` adds every campaign."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.assistance.models import CharityCampaign
from minzheng.assistance.services.charity import create_campaign, record_donation
from minzheng.core.models import AuditLog
from minzheng.stats.registry import Period, compute

pytestmark = pytest.mark.django_db
YEAR = Period.for_year(2018)


def campaign(cast, name, kind, starts=date(2018, 5, 1), ends=date(2018, 9, 30)):
    return create_campaign(
        actor=cast.users.district, name=name, kind=kind, region=cast.district, starts_on=starts, ends_on=ends
    )


def give(cast, to, receipt, amount, day=date(2018, 6, 30)):
    return record_donation(
        actor=cast.users.town,
        campaign=to,
        donor_type="company",
        donor_name="番禺实业有限公司",
        amount=Decimal(amount),
        received_on=day,
        receipt_number=receipt,
        region=cast.shiqiao,
    )


def test_a_second_campaign_in_the_same_year_does_not_change_the_published_figure(cast):
    day = campaign(cast, "2018年广东扶贫济困日", CharityCampaign.Kind.POVERTY_RELIEF_DAY)
    give(cast, day, "R1", "30000")
    before = compute("assistance.charity.donations", YEAR, cast.district)
    assert before.exact == Decimal("30000.00")

    winter = campaign(
        cast, "2018年冬季送温暖", CharityCampaign.Kind.OTHER, date(2018, 11, 1), date(2018, 12, 31)
    )
    give(cast, winter, "W1", "20000", day=date(2018, 12, 1))
    give(cast, winter, "W2", "5000.50", day=date(2018, 12, 2))

    after = compute("assistance.charity.donations", YEAR, cast.district)
    assert (after.value, after.exact) == (Decimal("3.00"), Decimal("30000.00"))
    assert {d.receipt_number for d in after.records} == {"R1"}
    everything = compute("assistance.charity.donations_all", YEAR, cast.district)
    assert (everything.value, everything.exact) == (Decimal("5.50"), Decimal("55000.50"))
    assert compute("assistance.charity.donation_count", YEAR, cast.district).value == 3


def test_a_campaign_is_of_another_kind_unless_marked(cast):
    plain = create_campaign(
        actor=cast.users.district,
        name="敬老月募捐",
        region=cast.district,
        starts_on=date(2018, 10, 1),
        ends_on=date(2018, 10, 31),
    )
    assert plain.kind == CharityCampaign.Kind.OTHER
    give(cast, plain, "J1", "800", day=date(2018, 10, 9))
    assert compute("assistance.charity.donations", YEAR, cast.district).exact == Decimal("0")
    assert AuditLog.objects.filter(action="charity_campaign", changes__kind="other").exists()


def test_an_unknown_kind_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        campaign(cast, "活动", "festival")
    assert exc.value.message_dict == {"kind": ["活动类别应为“广东扶贫济困日”或“其他”"]}
