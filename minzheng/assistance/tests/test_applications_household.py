"""低保 is applied for by the household: one open application per household, and the schemes that
exclude each other (特困 / 低保) are checked through the household at intake.

张三明 (head) and 李四芳 (spouse) of SQ-0001 must not both have a 低保 application open; 李四芳
cannot apply for 特困 while SQ-0001 receives 低保 (paid to 张三明), and SQ-0001 cannot apply for
低保 while 李四芳 receives 特困.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from minzheng.assistance.models import Application, ApplicationStatus
from minzheng.assistance.services import application_rules
from minzheng.assistance.services import applications as intake
from minzheng.assistance.services.applications import submit_application, withdraw_application
from minzheng.benefits.services import grant_entitlement
from minzheng.core.months import Month
from minzheng.registry.models import Person

APPLIED = date(2018, 9, 28)
SECOND = "该家庭户已有一件“最低生活保障”申请正在办理（申请人张三明），办结前不能再次申请"


def li():
    return Person.objects.get(name="李四芳")


def submit(cast, person, *, program="dibao", household="default"):
    if household == "default":
        household = cast.hh_sq if program == "dibao" else None
    return submit_application(
        actor=cast.users.village,
        program=program,
        person=person,
        household=household,
        applied_on=APPLIED,
        reason="家庭困难",
        declared_income=Decimal("800"),
    )


def test_the_spouse_cannot_open_a_second_dibao_application_for_the_household(cast, programs):
    first = submit(cast, cast.zhang)
    with pytest.raises(ValidationError) as exc:
        submit(cast, li())
    assert exc.value.message_dict == {"household": [SECOND]}
    assert Application.objects.filter(household=cast.hh_sq).count() == 1
    withdraw_application(first, actor=cast.users.village, opinion="由配偶申请")
    assert submit(cast, li()).status == ApplicationStatus.APPLIED  # once the first is closed


def test_the_database_refuses_a_second_open_dibao_application_of_the_household(cast, programs):
    submit(cast, cast.zhang)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            number="DB-2018-999999",
            program="dibao",
            person=li(),
            household=cast.hh_sq,
            region=cast.village_sq,
            applied_on=APPLIED,
            status=ApplicationStatus.NOTICE,
        )
    # person programs are not household applications: both spouses may apply for their own
    Application.objects.create(
        number="HL-2018-999999",
        program="nursing_subsidy",
        person=li(),
        household=cast.hh_sq,
        region=cast.village_sq,
        applied_on=APPLIED,
        status=ApplicationStatus.APPLIED,
    )


def test_a_concurrent_intake_that_lost_on_the_constraint_gets_the_same_message(cast, programs, monkeypatch):
    submit(cast, cast.zhang)
    real = application_rules.load_facts

    def before_the_other_committed(persons, households=()):
        facts = real(persons, households)
        facts.open_household_applications.clear()
        return facts

    monkeypatch.setattr(intake, "load_facts", before_the_other_committed)
    with pytest.raises(ValidationError) as exc:
        submit(cast, li())
    assert exc.value.message_dict == {"household": [SECOND]}
    assert Application.objects.count() == 1


def test_tekun_is_refused_to_a_member_of_a_household_receiving_dibao(cast, programs):
    grant_entitlement(
        actor=cast.users.district,
        scheme=programs.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=Month(2018, 1),
        assessed_income=Decimal("1200"),
    )
    with pytest.raises(ValidationError) as exc:
        submit(cast, li(), program="tekun")
    assert exc.value.message_dict == {
        "program": ["李四芳所在家庭户正在享受“最低生活保障”，与“特困人员救助供养”不能同时享受"]
    }


def test_dibao_is_refused_to_a_household_whose_member_receives_tekun(cast, programs):
    grant_entitlement(
        actor=cast.users.district, scheme=programs.tekun, person=li(), start_month=Month(2018, 1)
    )
    with pytest.raises(ValidationError) as exc:
        submit(cast, cast.zhang)
    assert exc.value.message_dict == {
        "program": ["家庭成员李四芳正在享受“特困人员救助供养”，与“最低生活保障”不能同时享受"]
    }
    # 王五 lives alone in SQ-0002: his household is not concerned
    wang = Person.objects.get(name="王五")
    assert submit(cast, wang, household=cast.hh_sq2).status == ApplicationStatus.APPLIED


def test_the_facts_take_the_same_queries_for_one_applicant_or_many(cast, programs, django_assert_num_queries):
    people = [cast.zhang, li(), Person.objects.get(name="王五")]
    with django_assert_num_queries(6):
        application_rules.load_facts(people[:1], [cast.hh_sq])
    with django_assert_num_queries(6):
        facts = application_rules.load_facts(people, [cast.hh_sq, cast.hh_sq2])
    assert [name for _id, name in facts.members[cast.hh_sq.pk]] == ["张三明", "李四芳", "张小明"]
