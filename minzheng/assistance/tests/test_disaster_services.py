"""防灾减灾救灾: events, shelters, relief (cash as a one-off entitlement paid by payroll, goods as
records), validation, scope, and the figures on hand-built data."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from minzheng.assistance.models import ReliefGiven
from minzheng.assistance.selectors.disaster import events_visible_to
from minzheng.assistance.services.disaster import (
    close_shelter,
    give_relief_cash,
    give_relief_goods,
    open_shelter,
    record_event,
)
from minzheng.benefits.models import Entitlement
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import set_bank_account
from minzheng.core.months import Month
from minzheng.stats.registry import Period, compute

MANGKHUT = date(2018, 9, 14)


def _event(cast, towns=None, name="台风“山竹”", started=MANGKHUT, actor=None):
    return record_event(
        actor=actor or cast.users.district,
        name=name,
        kind="typhoon",
        warning_level="red",
        started_on=started,
        ended_on=started.replace(day=started.day + 3),
        affected_towns=towns or [cast.shiqiao, cast.shatou],
    )


def test_event_validation_and_scope(cast):
    with pytest.raises(ValidationError) as exc:
        record_event(
            actor=cast.users.district, name="台风", kind="typhoon", started_on=MANGKHUT, affected_towns=[]
        )
    assert "affected_towns" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record_event(
            actor=cast.users.district,
            name="台风",
            kind="typhoon",
            started_on=MANGKHUT,
            affected_towns=[cast.village_sq],
        )
    assert "不是镇街" in exc.value.message_dict["affected_towns"][0]
    with pytest.raises(ValidationError) as exc:
        record_event(
            actor=cast.users.district,
            name="台风",
            kind="typhoon",
            started_on=MANGKHUT,
            ended_on=date(2018, 9, 1),
            affected_towns=[cast.shiqiao],
        )
    assert "ended_on" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # a 市桥 caseworker cannot record an event for 沙头
        _event(cast, actor=cast.users.town)
    _event(cast, towns=[cast.shiqiao], actor=cast.users.town)
    with pytest.raises(ValidationError):
        _event(cast, towns=[cast.shiqiao], actor=cast.users.town)  # same name and day twice


def test_events_are_visible_to_the_towns_they_affected(cast):
    both = _event(cast)
    only_shatou = _event(cast, towns=[cast.shatou], name="台风“贝碧嘉”", started=date(2018, 8, 10))
    assert set(events_visible_to(cast.users.district)) == {both, only_shatou}
    assert set(events_visible_to(cast.users.town)) == {both}
    assert set(events_visible_to(cast.users.village)) == {both}  # the village's own 镇街 was affected
    assert set(events_visible_to(cast.users.town_other)) == {both, only_shatou}
    assert not events_visible_to(cast.users.public).exists()


def test_shelter_validation(cast):
    event = _event(cast, towns=[cast.shiqiao])
    with pytest.raises(ValidationError) as exc:
        open_shelter(
            actor=cast.users.district,
            event=event,
            place="沙头小学",
            region=cast.village_st,
            opened_on=MANGKHUT,
        )
    assert "不在" in exc.value.message_dict["region"][0]
    with pytest.raises(ValidationError) as exc:
        open_shelter(
            actor=cast.users.town,
            event=event,
            place="市桥小学",
            region=cast.village_sq,
            opened_on=date(2018, 9, 1),
        )
    assert "早于灾害开始日期" in exc.value.message_dict["opened_on"][0]
    with pytest.raises(PermissionDenied):
        open_shelter(
            actor=cast.users.town_other,
            event=event,
            place="市桥小学",
            region=cast.village_sq,
            opened_on=MANGKHUT,
        )
    shelter = open_shelter(
        actor=cast.users.village,
        event=event,
        place="市桥小学",
        region=cast.village_sq,
        opened_on=MANGKHUT,
        people_sheltered=80,
    )
    with pytest.raises(ValidationError):
        close_shelter(shelter, actor=cast.users.village, closed_on=date(2018, 9, 13))
    closed = close_shelter(
        shelter, actor=cast.users.village, closed_on=date(2018, 9, 17), people_sheltered=120
    )
    assert (closed.closed_on, closed.people_sheltered) == (date(2018, 9, 17), 120)


def test_cash_relief_is_a_one_off_entitlement_paid_by_payroll(cast, programs):
    event = _event(cast)
    relief = give_relief_cash(
        actor=cast.users.district,
        event=event,
        household=cast.hh_sq,
        amount=Decimal("3000"),
        given_on=date(2018, 9, 20),
    )
    entitlement = relief.entitlement
    assert entitlement.scheme.code == "disaster_relief"
    assert entitlement.person == cast.zhang and entitlement.household == cast.hh_sq
    assert (entitlement.start_month, entitlement.end_month) == (date(2018, 9, 1), date(2018, 9, 1))
    assert entitlement.fixed_amount == Decimal("3000.00") and not entitlement.recurring
    set_bank_account(
        actor=cast.users.district,
        person=cast.zhang,
        bank_name="农商银行",
        account_name="张三明",
        account_number="6230000011112222",
    )
    run = get_or_create_run(programs.disaster_relief, Month(2018, 9), actor=cast.users.district)
    build_run(run, actor=cast.users.district)
    approve_run(run, actor=cast.users.finance)
    run.refresh_from_db()
    assert (run.line_count, run.total_amount) == (1, Decimal("3000.00"))
    paid = compute("assistance.disaster.relief_paid", Period.for_year(2018), cast.district)
    assert paid.value == Decimal("0.30")
    with pytest.raises(ValidationError) as exc:  # one cash relief per household and event
        give_relief_cash(
            actor=cast.users.district,
            event=event,
            household=cast.hh_sq,
            amount=Decimal("500"),
            given_on=date(2018, 9, 21),
        )
    assert "不能重复发放" in exc.value.message_dict["household"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ReliefGiven.objects.create(
            event=event,
            household=cast.hh_sq,
            region=cast.village_sq,
            kind="cash",
            given_on=date(2018, 9, 21),
            amount=Decimal("1"),
            entitlement=Entitlement.objects.create(
                scheme=programs.disaster_relief,
                person=cast.zhang,
                region=cast.village_sq,
                start_month=date(2018, 9, 1),
                recurring=False,
            ),
        )


def test_cash_relief_validation_and_roles(cast, programs):
    event = _event(cast)
    with pytest.raises(ValidationError) as exc:
        give_relief_cash(
            actor=cast.users.district,
            event=event,
            household=cast.hh_sq,
            amount=Decimal("0"),
            given_on=date(2018, 9, 20),
        )
    assert "amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        give_relief_cash(
            actor=cast.users.district,
            event=event,
            household=cast.hh_sq,
            amount=Decimal("100"),
            given_on=date(2018, 9, 20),
            recipient=cast.zhao,
        )
    assert "recipient" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # granting money is the district's (benefits.manage)
        give_relief_cash(
            actor=cast.users.town,
            event=event,
            household=cast.hh_sq,
            amount=Decimal("100"),
            given_on=date(2018, 9, 20),
        )
    with pytest.raises(PermissionDenied):
        give_relief_goods(
            actor=cast.users.town,
            event=event,
            household=cast.hh_st,
            item="大米",
            quantity=Decimal("2"),
            unit="袋",
            given_on=date(2018, 9, 20),
        )


def test_goods_relief_validation(cast):
    event = _event(cast, towns=[cast.shiqiao])
    kwargs = {
        "actor": cast.users.town,
        "event": event,
        "household": cast.hh_sq,
        "unit": "袋",
        "given_on": date(2018, 9, 20),
    }
    with pytest.raises(ValidationError) as exc:
        give_relief_goods(item="", quantity=Decimal("1"), **kwargs)
    assert "item" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        give_relief_goods(item="大米", quantity=Decimal("0"), **kwargs)
    assert "quantity" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        give_relief_goods(
            actor=cast.users.district,
            event=event,
            household=cast.hh_st,
            item="大米",
            quantity=Decimal("1"),
            unit="袋",
            given_on=date(2018, 9, 20),
        )
    assert "household" in exc.value.message_dict
    relief = give_relief_goods(item="大米", quantity=Decimal("2"), **kwargs)
    assert (relief.kind, relief.entitlement) == ("goods", None)


def test_disaster_figures(cast, programs):
    mangkhut = _event(cast)
    bebinca = _event(cast, towns=[cast.shatou], name="台风“贝碧嘉”", started=date(2018, 8, 10))
    _event(cast, towns=[cast.shiqiao], name="暴雨", started=date(2018, 6, 1))  # no response recorded
    open_shelter(
        actor=cast.users.district,
        event=mangkhut,
        place="市桥小学",
        region=cast.village_sq,
        opened_on=MANGKHUT,
        people_sheltered=80,
    )
    open_shelter(
        actor=cast.users.district,
        event=mangkhut,
        place="沙头中学",
        region=cast.village_st,
        opened_on=MANGKHUT,
        people_sheltered=45,
    )
    give_relief_goods(
        actor=cast.users.district,
        event=bebinca,
        household=cast.hh_st,
        item="大米",
        quantity=Decimal("2"),
        unit="袋",
        given_on=date(2018, 8, 20),
    )
    give_relief_cash(
        actor=cast.users.district,
        event=mangkhut,
        household=cast.hh_sq,
        amount=Decimal("2500"),
        given_on=date(2018, 9, 20),
    )
    year = Period.for_year(2018)

    def value(key, region=cast.district, period=year):
        return compute(f"assistance.disaster.{key}", period, region).value

    assert value("events") == 2
    assert value("events", cast.shiqiao) == 1
    assert value("events", cast.shatou) == 2
    assert value("events", period=Period.for_month(2018, 8)) == 1
    assert value("sheltered") == 125 and value("sheltered", cast.shatou) == 45
    assert value("relief_households") == 2
    assert value("relief_cash") == Decimal("0.25")
    assert value("relief_cash", cast.shatou) == Decimal("0.00")
