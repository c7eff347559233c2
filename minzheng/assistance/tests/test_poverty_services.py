"""精准扶贫 services: registration, pairing, measures, visits, exit and its refusal, reopening, scope."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from minzheng.assistance.models import PoorHousehold, PovertyMeasure, PovertyStatus
from minzheng.assistance.services.poverty import (
    add_measure,
    exit_household,
    pair_helper,
    record_visit,
    register_poor_household,
    reopen_household,
)
from minzheng.core.models import AuditLog

REGISTERED = date(2016, 10, 20)


def _register(cast, household=None, actor=None):
    return register_poor_household(
        actor=actor or cast.users.district,
        household=household or cast.hh_sq,
        registered_on=REGISTERED,
        cause="illness",
    )


def _helped(cast, record):
    helper = pair_helper(
        record, actor=cast.users.town, name="陈志明", unit="区民政局", valid_from=date(2016, 11, 1)
    )
    add_measure(
        record,
        actor=cast.users.town,
        kind=PovertyMeasure.Kind.EMPLOYMENT,
        description="推荐就业",
        taken_on=date(2017, 3, 1),
    )
    record_visit(
        record,
        actor=cast.users.village,
        visited_on=date(2017, 6, 1),
        helper=helper,
        notes="入户走访",
        income_per_person=Decimal("6200"),
    )
    return helper


def test_register_counts_the_members_on_the_day_and_audits(cast):
    record = _register(cast)
    assert record.persons == 3  # 张三明, 李四芳, 张小明 since 2015
    assert record.region == cast.village_sq
    assert record.status == PovertyStatus.REGISTERED
    assert AuditLog.objects.filter(action="poverty_register", object_id=str(record.pk)).exists()


def test_a_household_is_registered_once_while_open(cast):
    _register(cast)
    with pytest.raises(ValidationError) as exc:
        _register(cast)
    assert "已在贫困户名册中" in exc.value.message_dict["household"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        PoorHousehold.objects.create(
            household=cast.hh_sq, region=cast.village_sq, registered_on=REGISTERED, persons=3, cause="illness"
        )


def test_register_refuses_bad_input(cast):
    with pytest.raises(ValidationError) as exc:
        register_poor_household(
            actor=cast.users.district, household=cast.hh_sq, registered_on=REGISTERED, cause="lazy"
        )
    assert "cause" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        register_poor_household(
            actor=cast.users.district,
            household=cast.hh_sq,
            registered_on=date.today() + timedelta(days=1),
            cause="illness",
        )
    assert "不能晚于今天" in exc.value.message_dict["registered_on"][0]
    with pytest.raises(ValidationError) as exc:
        register_poor_household(
            actor=cast.users.district,
            household=cast.hh_sq,
            registered_on=REGISTERED,
            cause="illness",
            persons=0,
        )
    assert "persons" in exc.value.message_dict


def test_scope_and_role_are_checked(cast):
    with pytest.raises(PermissionDenied):
        _register(cast, household=cast.hh_st, actor=cast.users.town)  # 沙头 household, 市桥 caseworker
    with pytest.raises(PermissionDenied):
        _register(cast, actor=cast.users.leader)  # read-only role
    record = _register(cast, household=cast.hh_st)
    with pytest.raises(PermissionDenied):
        add_measure(record, actor=cast.users.town, kind="health", description="x", taken_on=date(2017, 1, 1))


def test_pairing_a_new_helper_ends_the_current_one(cast):
    record = _register(cast)
    first = pair_helper(
        record, actor=cast.users.town, name="陈志明", unit="区民政局", valid_from=date(2016, 11, 1)
    )
    second = pair_helper(
        record,
        actor=cast.users.town,
        name="李建国",
        unit="区财政局",
        valid_from=date(2017, 5, 1),
        phone="13912345678",
    )
    first.refresh_from_db()
    assert first.valid_to == date(2017, 4, 30)
    assert second.valid_to is None
    assert second.masked_phone == "139****5678"
    with pytest.raises(ValidationError) as exc:
        pair_helper(record, actor=cast.users.town, name="王五", unit="区教育局", valid_from=date(2017, 4, 1))
    assert "valid_from" in exc.value.message_dict


def test_measure_and_visit_validation(cast):
    record = _register(cast)
    with pytest.raises(ValidationError) as exc:
        add_measure(
            record, actor=cast.users.town, kind="health", description="体检", taken_on=date(2016, 1, 1)
        )
    assert "早于建档日期" in exc.value.message_dict["taken_on"][0]
    with pytest.raises(ValidationError) as exc:
        add_measure(
            record,
            actor=cast.users.town,
            kind="health",
            description="体检",
            taken_on=date(2017, 1, 1),
            funds=-1,
        )
    assert "funds" in exc.value.message_dict
    other = _register(cast, household=cast.hh_sq2)
    stranger = pair_helper(
        other, actor=cast.users.town, name="陈志明", unit="区民政局", valid_from=date(2016, 11, 1)
    )
    with pytest.raises(ValidationError) as exc:
        record_visit(
            record, actor=cast.users.town, visited_on=date(2017, 1, 1), notes="走访", helper=stranger
        )
    assert "helper" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record_visit(record, actor=cast.users.town, visited_on=date(2017, 1, 1), notes=" ")
    assert "notes" in exc.value.message_dict


def test_exit_needs_a_measure_and_a_visit(cast):
    record = _register(cast)
    with pytest.raises(ValidationError) as exc:
        exit_household(record, actor=cast.users.town, exited_on=date(2018, 6, 1), verification="核验通过")
    assert "没有任何帮扶措施记录" in exc.value.messages[0]
    add_measure(record, actor=cast.users.town, kind="industry", description="种养", taken_on=date(2017, 3, 1))
    with pytest.raises(ValidationError) as exc:
        exit_household(record, actor=cast.users.town, exited_on=date(2018, 6, 1), verification="核验通过")
    assert "没有任何走访记录" in exc.value.messages[0]
    record_visit(record, actor=cast.users.town, visited_on=date(2018, 7, 1), notes="走访")
    with pytest.raises(ValidationError):  # the only visit is after the exit date
        exit_household(record, actor=cast.users.town, exited_on=date(2018, 6, 1), verification="核验通过")
    with pytest.raises(ValidationError) as exc:
        exit_household(record, actor=cast.users.town, exited_on=date(2018, 7, 5), verification="")
    assert "verification" in exc.value.message_dict
    exited = exit_household(
        record, actor=cast.users.town, exited_on=date(2018, 7, 5), verification="核验通过"
    )
    assert (exited.status, exited.exited_on) == (PovertyStatus.EXITED, date(2018, 7, 5))
    with pytest.raises(ValidationError) as exc:
        exit_household(record, actor=cast.users.town, exited_on=date(2018, 8, 5), verification="核验通过")
    assert "已于2018-07-05脱贫" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        add_measure(
            record, actor=cast.users.town, kind="industry", description="种养", taken_on=date(2018, 8, 1)
        )


def test_reopen_withdraws_the_exit_and_keeps_it_in_the_audit(cast):
    record = _register(cast)
    _helped(cast, record)
    exit_household(record, actor=cast.users.town, exited_on=date(2018, 3, 1), verification="核验通过")
    with pytest.raises(ValidationError) as exc:
        reopen_household(record, actor=cast.users.town, reason="")
    assert "reason" in exc.value.message_dict
    reopened = reopen_household(record, actor=cast.users.town, reason="复核发现收入核算有误")
    assert reopened.status == PovertyStatus.REGISTERED and reopened.exited_on is None
    audit = AuditLog.objects.get(action="poverty_reopen", object_id=str(record.pk))
    assert audit.changes["exited_on"] == "2018-03-01"
    with pytest.raises(ValidationError):
        reopen_household(record, actor=cast.users.town, reason="再次撤销")
