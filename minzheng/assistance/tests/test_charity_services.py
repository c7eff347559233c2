"""慈善: campaigns, donations (single and batch, all-or-nothing), titles; validation, scope, figures."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from minzheng.assistance.models import CharityCampaign, Donation
from minzheng.assistance.selectors.charity import campaigns_with_totals, donations_visible_to
from minzheng.assistance.services.charity import (
    DonationRow,
    award_title,
    create_campaign,
    record_donation,
    record_donations,
)
from minzheng.stats.registry import Period, compute


@pytest.fixture
def campaign(cast):
    return create_campaign(
        actor=cast.users.district,
        name="2018年广东扶贫济困日",
        kind=CharityCampaign.Kind.POVERTY_RELIEF_DAY,  # counted by assistance.charity.donations
        region=cast.district,
        starts_on=date(2018, 5, 1),
        ends_on=date(2018, 9, 30),
        target=Decimal("100000"),
    )


def _give(cast, campaign, receipt, amount="1000", day=date(2018, 6, 30), region=None, actor=None, **extra):
    return record_donation(
        actor=actor or cast.users.town,
        campaign=campaign,
        donor_type=extra.pop("donor_type", "company"),
        donor_name=extra.pop("donor_name", "番禺实业有限公司"),
        amount=Decimal(amount),
        received_on=day,
        receipt_number=receipt,
        region=region or cast.shiqiao,
        **extra,
    )


def test_campaign_validation(cast, campaign):
    with pytest.raises(ValidationError) as exc:
        create_campaign(
            actor=cast.users.district,
            name="活动",
            region=cast.district,
            starts_on=date(2018, 5, 1),
            ends_on=date(2018, 4, 1),
        )
    assert "ends_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create_campaign(
            actor=cast.users.district,
            name=campaign.name,
            region=cast.district,
            starts_on=date(2018, 5, 1),
            ends_on=date(2018, 6, 1),
        )
    assert "name" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # a town cannot organise a district campaign
        create_campaign(
            actor=cast.users.town,
            name="区活动",
            region=cast.district,
            starts_on=date(2018, 5, 1),
            ends_on=date(2018, 6, 1),
        )


def test_donation_validation(cast, campaign):
    with pytest.raises(ValidationError) as exc:
        _give(cast, campaign, "R1", day=date(2018, 10, 1))
    assert "不在活动" in exc.value.message_dict["received_on"][0]
    with pytest.raises(ValidationError) as exc:
        _give(cast, campaign, "R1", amount="-5")
    assert "amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _give(cast, campaign, "R1", donor_name="")
    assert "donor_name" in exc.value.message_dict
    anonymous = _give(cast, campaign, "R1", donor_name="某人", anonymous=True, donor_type="person")
    assert anonymous.donor_name == "" and anonymous.display_donor == "匿名"
    with pytest.raises(ValidationError) as exc:
        _give(cast, campaign, "R1")
    assert "已登记" in exc.value.message_dict["receipt_number"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Donation.objects.create(
            campaign=campaign,
            donor_name="甲",
            donor_type="person",
            amount=Decimal("1"),
            received_on=date(2018, 6, 1),
            receipt_number="R1",
            region=cast.shiqiao,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Donation.objects.create(
            campaign=campaign,
            donor_name="甲",
            donor_type="person",
            amount=Decimal("-1"),
            received_on=date(2018, 6, 1),
            receipt_number="R9",
            region=cast.shiqiao,
        )


def test_donations_are_scoped(cast, campaign):
    with pytest.raises(PermissionDenied):
        _give(cast, campaign, "R1", region=cast.shatou)
    _give(cast, campaign, "R1")
    _give(cast, campaign, "R2", region=cast.shatou, actor=cast.users.town_other, amount="500")
    assert [d.receipt_number for d in donations_visible_to(cast.users.town)] == ["R1"]
    assert donations_visible_to(cast.users.district).count() == 2
    totals = {
        c.pk: (c.donation_count, c.donation_total) for c in campaigns_with_totals(cast.users.town_other)
    }
    assert totals[campaign.pk] == (1, Decimal("500.00"))


def test_batch_is_all_or_nothing_with_row_numbers(cast, campaign):
    _give(cast, campaign, "OLD-1")
    rows = [
        DonationRow("person", "100", date(2018, 6, 1), "B-1", cast.shiqiao, donor_name="陈明"),
        DonationRow("person", "100", date(2018, 6, 1), "B-1", cast.shiqiao, donor_name="李华"),
        DonationRow("person", "0", date(2018, 6, 1), "B-3", cast.shiqiao, donor_name="张三"),
        DonationRow("person", "100", date(2018, 6, 1), "OLD-1", cast.shiqiao, donor_name="王五"),
        DonationRow("person", "100", date(2018, 6, 1), "B-5", cast.shatou, donor_name="赵六"),
    ]
    with pytest.raises(ValidationError) as exc:
        record_donations(actor=cast.users.town, campaign=campaign, rows=rows)
    messages = exc.value.messages
    assert any(m.startswith("第2行") and "与第1行重复" in m for m in messages)
    assert any(m.startswith("第3行") and "大于0" in m for m in messages)
    assert any(m.startswith("第4行") and "已登记" in m for m in messages)
    assert any(m.startswith("第5行") and "管辖范围" in m for m in messages)
    assert Donation.objects.count() == 1
    created = record_donations(actor=cast.users.town, campaign=campaign, rows=[rows[0]])
    assert len(created) == 1 and Donation.objects.count() == 2


def test_titles(cast):
    award_title(
        actor=cast.users.town,
        kind="street",
        title="慈善街道",
        awarded_to="市桥街道",
        region=cast.shiqiao,
        year=2018,
    )
    with pytest.raises(ValidationError) as exc:
        award_title(
            actor=cast.users.town,
            kind="street",
            title="慈善街道",
            awarded_to="市桥街道",
            region=cast.shiqiao,
            year=2018,
        )
    assert "awarded_to" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        award_title(
            actor=cast.users.town,
            kind="community",
            title="慈善社区",
            awarded_to="沙头",
            region=cast.village_st,
            year=2018,
        )
    award_title(
        actor=cast.users.district,
        kind="square",
        title="慈善广场（公园）",
        awarded_to="沙头广场",
        region=cast.shatou,
        year=2018,
    )
    assert compute("assistance.charity.titles", Period.for_year(2018), cast.district).value == 2
    assert compute("assistance.charity.titles", Period.for_year(2018), cast.shatou).value == 1


def test_donation_figures(cast, campaign):
    _give(cast, campaign, "R1", amount="12000.50", day=date(2018, 5, 2))
    _give(cast, campaign, "R2", amount="7999.50", day=date(2018, 9, 30))
    _give(cast, campaign, "R3", amount="5000", region=cast.shatou, actor=cast.users.district)
    year = Period.for_year(2018)
    total = compute("assistance.charity.donations", year, cast.district)
    assert (total.value, total.exact) == (Decimal("2.50"), Decimal("25000.00"))
    assert compute("assistance.charity.donations", year, cast.shiqiao).value == Decimal("2.00")
    assert compute(
        "assistance.charity.donations", Period.for_quarter(2018, 3), cast.district
    ).value == Decimal("0.80")
    assert compute("assistance.charity.donation_count", year, cast.district).value == 3
    assert compute("assistance.charity.donations", Period.for_year(2017), cast.district).value == Decimal(
        "0.00"
    )
