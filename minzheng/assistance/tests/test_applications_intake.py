"""申请: who may apply for what, numbering, and the database constraint on open applications."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from minzheng.assistance.models import Application, ApplicationStatus
from minzheng.assistance.services.applications import submit_application, withdraw_application
from minzheng.benefits.services import grant_entitlement
from minzheng.core.months import Month
from minzheng.registry.models import Person
from minzheng.registry.services import record_death, update_person
from minzheng.workflow.selectors import case_history

APPLIED = date(2018, 9, 28)


def submit(cast, *, program="dibao", person=None, household="default", actor=None, **extra):
    person = person or cast.zhang
    if household == "default":
        household = cast.hh_sq if program == "dibao" else None
    values = {"applied_on": APPLIED, "reason": "家庭困难", "declared_income": Decimal("1200")} | extra
    return submit_application(
        actor=actor or cast.users.village, program=program, person=person, household=household, **values
    )


def field_errors(exc_info) -> dict:
    return exc_info.value.message_dict


def test_a_village_assistant_submits_a_dibao_application(cast, programs):
    application = submit(cast)
    assert application.status == ApplicationStatus.APPLIED
    assert application.number == "DB-2018-000001"
    assert application.region == cast.village_sq and application.household == cast.hh_sq
    assert application.created_by == cast.users.village
    step = case_history(application).get()
    assert (step.from_status, step.to_status, step.actor, step.opinion) == (
        "",
        "applied",
        cast.users.village,
        "家庭困难",
    )


def test_numbers_count_per_program_and_year(cast, programs):
    first = submit(cast)
    withdraw_application(first, actor=cast.users.village, opinion="申请人撤回")
    assert submit(cast).number == "DB-2018-000002"
    tekun = submit(cast, program="tekun", person=Person.objects.get(name="王五"), applied_on=date(2019, 1, 2))
    assert tekun.number == "TK-2019-000001"


def test_person_outside_the_actors_scope_is_refused(cast, programs):
    with pytest.raises(PermissionDenied, match="^申请人的户籍不在您的管辖范围内"):
        submit(cast, person=cast.zhao, household=cast.hh_st)
    assert not Application.objects.exists()


def test_a_dead_person_cannot_apply(cast, programs):
    wang = Person.objects.get(name="王五")
    record_death(wang, actor=cast.users.admin, death_date=date(2018, 8, 1))
    with pytest.raises(ValidationError) as exc:
        submit(cast, program="tekun", person=Person.objects.get(pk=wang.pk))
    assert field_errors(exc) == {"person": ["王五已于2018-08-01死亡，不能申请特困人员救助供养"]}


def test_dibao_needs_the_household(cast, programs):
    with pytest.raises(ValidationError) as exc:
        submit(cast, household=None)
    assert "household" in field_errors(exc)
    with pytest.raises(ValidationError) as exc:
        submit(cast, household=cast.hh_sq2)  # 张三明 is not a member of 王五's household
    assert field_errors(exc)["household"] == ["张三明不是该家庭户（SQ-0002）的现有成员"]


def test_tekun_is_refused_to_a_person_holding_dibao_and_the_same_scheme_twice(cast, programs):
    grant_entitlement(
        actor=cast.users.district,
        scheme=programs.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        assessed_income=Decimal("1200"),
    )
    with pytest.raises(ValidationError) as exc:
        submit(cast, program="tekun")
    assert field_errors(exc) == {
        "program": ["张三明正在享受“最低生活保障”，与“特困人员救助供养”不能同时享受"]
    }
    li = Person.objects.get(name="李四芳")  # another member: the household already holds 低保
    with pytest.raises(ValidationError) as exc:
        submit(cast, person=li)
    assert field_errors(exc) == {"program": ["该家庭户已在享受“最低生活保障”，不能重复申请"]}


def test_disability_subsidies_need_a_grade(cast, programs):
    with pytest.raises(ValidationError) as exc:
        submit(cast, program="living_subsidy")
    assert field_errors(exc)["person"] == ["张三明未登记残疾等级（须持残疾人证），不能申请困难残疾人生活补贴"]
    update_person(cast.zhang, actor=cast.users.admin, disability_category="physical", disability_grade=3)
    zhang = Person.objects.get(pk=cast.zhang.pk)
    # 困难残疾人生活补贴 also needs a 低保 household (or 特困): see test_applications_disability_rules
    grant_entitlement(
        actor=cast.users.district,
        scheme=programs.dibao,
        person=zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        assessed_income=Decimal("1200"),
    )
    assert submit(cast, program="living_subsidy", person=zhang).number == "SB-2018-000001"
    with pytest.raises(ValidationError) as exc:
        submit(cast, program="nursing_subsidy", person=zhang)
    assert field_errors(exc)["person"] == ["张三明残疾等级为3级，重度残疾人护理补贴仅限一级、二级重度残疾人"]
    update_person(zhang, actor=cast.users.admin, disability_grade=2)
    assert (
        submit(cast, program="nursing_subsidy", person=Person.objects.get(pk=zhang.pk)).number
        == "HL-2018-000001"
    )


def test_children_programs_are_for_persons_under_18(cast, programs):
    with pytest.raises(ValidationError) as exc:
        submit(cast, program="orphan")
    assert field_errors(exc)["person"] == [
        "张三明申请时已满18周岁（出生于1960-05-01），不能申请孤儿基本生活费"
    ]
    child = Person.objects.get(name="张小明")
    assert submit(cast, program="children_subsidy", person=child).status == ApplicationStatus.APPLIED


def test_declaring_a_relative_needs_the_details(cast, programs):
    with pytest.raises(ValidationError) as exc:
        submit(cast, relative_in_civil_affairs=True, relative_note="")
    assert list(field_errors(exc)) == ["relative_note"]


def test_a_second_open_application_is_refused_by_the_database_constraint(cast, programs, monkeypatch):
    first = submit(cast)
    # Nothing in Python looks for the first one: the partial unique index refuses the insert.
    with pytest.raises(ValidationError) as exc:
        submit(cast)
    assert field_errors(exc) == {"program": ["张三明已有一件“最低生活保障”申请正在办理，办结前不能再次申请"]}
    assert Application.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            number="DB-2018-999999",
            program="dibao",
            person=cast.zhang,
            region=cast.village_sq,
            applied_on=APPLIED,
            status=ApplicationStatus.ACCEPTED,
        )
    withdraw_application(first, actor=cast.users.village, opinion="撤回")
    assert submit(cast).status == ApplicationStatus.APPLIED  # a closed application does not count


def test_a_future_application_date_and_negative_income_are_refused(cast, programs):
    with pytest.raises(ValidationError) as exc:
        submit(cast, applied_on=date(2099, 1, 1))
    assert "applied_on" in field_errors(exc)
    with pytest.raises(ValidationError) as exc:
        submit(cast, declared_income="-1")
    assert "declared_income" in field_errors(exc)


def test_roles_that_may_not_start_a_case(cast, programs):
    with pytest.raises(PermissionDenied):
        submit(cast, actor=cast.users.finance)
