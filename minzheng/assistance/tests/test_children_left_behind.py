"""The 留守儿童 register: the visit interval follows the risk level, overdue visits are selected,
entries close when parents return or the child turns 16."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from minzheng.assistance.models import VISIT_INTERVAL_MONTHS, LeftBehindChild, add_months
from minzheng.assistance.selectors.children import overdue_visits
from minzheng.assistance.services.children import (
    close_aged_left_behind,
    close_left_behind,
    record_care_visit,
    register_left_behind,
)
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.services import register_person


def _child(cast, seq, born, region=None):
    return register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", born, seq),
        name="留守" + "甲乙丙丁戊己庚辛壬癸"[seq % 10] + "一二三四五六七八九十"[seq // 10 % 10],
        region=region or cast.village_sq,
    )


def _register(cast, person, risk, on=date(2018, 1, 31), actor=None):
    return register_left_behind(
        actor=actor or cast.users.village,
        person=person,
        parents_away="both",
        parents_whereabouts="父母均在东莞务工",
        guardian_name="陈奶奶",
        guardian_relation="grandparent",
        risk_level=risk,
        registered_on=on,
    )


def test_interval_is_data_by_risk_level():
    assert VISIT_INTERVAL_MONTHS == {"high": 1, "medium": 3, "low": 6}
    assert add_months(date(2018, 1, 31), 1) == date(2018, 2, 28)
    assert add_months(date(2018, 11, 15), 3) == date(2019, 2, 15)


def test_first_visit_due_by_risk_and_a_visit_resets_it(cast):
    high = _register(cast, _child(cast, 201, date(2008, 3, 1)), "high")
    medium = _register(cast, _child(cast, 203, date(2009, 3, 1)), "medium")
    low = _register(cast, _child(cast, 205, date(2010, 3, 1)), "low")
    assert (high.next_visit_due, medium.next_visit_due, low.next_visit_due) == (
        date(2018, 2, 28),
        date(2018, 4, 30),
        date(2018, 7, 31),
    )

    visit = record_care_visit(
        high,
        actor=cast.users.village,
        visited_on=date(2018, 3, 5),
        visitor_name="儿童主任",
        findings="照护改善",
        risk_level="low",
    )
    high.refresh_from_db()
    assert visit.previous_risk_level == "high" and visit.risk_level == "low"
    assert high.risk_level == "low" and high.last_visit_on == date(2018, 3, 5)
    assert high.next_visit_due == date(2018, 9, 5)

    with pytest.raises(ValidationError) as error:  # visits are recorded in order
        record_care_visit(
            high,
            actor=cast.users.village,
            visited_on=date(2018, 3, 1),
            visitor_name="x",
            findings="y",
            risk_level="low",
        )
    assert "visited_on" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        record_care_visit(
            high,
            actor=cast.users.town_other,
            visited_on=date(2018, 4, 1),
            visitor_name="x",
            findings="y",
            risk_level="low",
        )


def test_overdue_selection(cast, django_assert_max_num_queries):
    high = _register(cast, _child(cast, 211, date(2008, 3, 1)), "high")
    _register(cast, _child(cast, 213, date(2009, 3, 1)), "medium")
    _register(cast, _child(cast, 215, date(2010, 3, 1)), "low")
    elsewhere = _register(
        cast, _child(cast, 217, date(2010, 3, 1), cast.village_st), "high", actor=cast.users.town_other
    )

    with django_assert_max_num_queries(2):  # the user's scope, then one select
        due = list(overdue_visits(cast.users.town, today=date(2018, 5, 1)))
    assert [r.risk_level for r in due] == ["high", "medium"]  # longest overdue first
    assert [r.region.name for r in due] == [cast.village_sq.name] * 2
    assert elsewhere in overdue_visits(today=date(2018, 5, 1))  # the whole district
    assert elsewhere not in overdue_visits(cast.users.town, today=date(2018, 5, 1))
    assert list(overdue_visits(cast.users.town, today=date(2018, 2, 28))) == []  # due today: not overdue

    close_left_behind(high, actor=cast.users.village, reason="parents_returned")
    assert high not in overdue_visits(cast.users.town, today=date(2018, 5, 1))


def test_closing(cast):
    record = _register(cast, _child(cast, 221, date(2008, 3, 1)), "medium")
    with pytest.raises(ValidationError) as error:
        close_left_behind(record, actor=cast.users.village, reason="other")
    assert "close_note" in error.value.message_dict
    close_left_behind(record, actor=cast.users.village, reason="parents_returned", closed_on=date(2018, 6, 1))
    record.refresh_from_db()
    assert record.status == "closed" and record.closed_on == date(2018, 6, 1)
    with pytest.raises(ValidationError):
        close_left_behind(record, actor=cast.users.village, reason="parents_returned")
    with pytest.raises(ValidationError):
        record_care_visit(
            record,
            actor=cast.users.village,
            visited_on=date(2018, 7, 1),
            visitor_name="x",
            findings="y",
            risk_level="low",
        )
    again = _register(cast, record.person, "low", on=date(2018, 9, 1))  # may come back on the register
    assert again.status == "active"


def test_a_child_turning_16_leaves_the_register(cast):
    older = _register(cast, _child(cast, 231, date(2002, 6, 15)), "low", on=date(2018, 1, 5))
    younger = _register(cast, _child(cast, 233, date(2005, 6, 15)), "low", on=date(2018, 1, 5))
    assert close_aged_left_behind(today=date(2018, 6, 14)) == 0
    assert close_aged_left_behind(today=date(2018, 6, 15)) == 1
    assert close_aged_left_behind(today=date(2018, 6, 16)) == 0
    older.refresh_from_db()
    younger.refresh_from_db()
    assert (older.status, older.close_reason, older.closed_on) == ("closed", "aged_out", date(2018, 6, 15))
    assert younger.status == "active"


def test_register_rules(cast):
    child = _child(cast, 241, date(2008, 3, 1))
    _register(cast, child, "low")
    with pytest.raises(ValidationError) as error:
        _register(cast, child, "low")
    assert "person" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        LeftBehindChild.objects.create(
            person=child,
            region=child.region,
            parents_away="both",
            parents_whereabouts="x",
            guardian_name="y",
            guardian_relation="grandparent",
            risk_level="low",
            registered_on=date(2018, 2, 1),
            next_visit_due=date(2018, 8, 1),
        )
    with pytest.raises(ValidationError) as error:
        _register(cast, _child(cast, 243, date(2001, 3, 1)), "low")
    assert "16" in error.value.message_dict["person"][0]
    with pytest.raises(PermissionDenied):
        _register(cast, _child(cast, 245, date(2008, 3, 1), cast.village_st), "low")
