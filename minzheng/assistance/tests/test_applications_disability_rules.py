"""困难残疾人生活补贴 depends on the household's status (issue #4 item 1): on the application date
the applicant is a member of a household whose 低保 is paid, or holds 特困. 重度残疾人护理补贴
needs grade 1–2 only, without any income test. The bulk import applies the same rule."""

import csv
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minzheng.assistance.models import Application
from minzheng.assistance.services.application_rules import eligibility_errors, in_need_on, load_facts
from minzheng.assistance.services.applications import submit_application
from minzheng.benefits.services import end_entitlement, grant_entitlement, suspend_entitlement
from minzheng.core.datasets import import_dataset
from minzheng.core.months import Month
from minzheng.registry.models import Person
from minzheng.registry.services import remove_member, update_person

pytestmark = pytest.mark.django_db

APPLIED = date(2018, 9, 28)
JANUARY = Month(2018, 1)
RULE = "仅限低保家庭中的残疾人和特困残疾人"
HEADERS = [
    "身份证号码",
    "救助项目",
    "申请日期",
    "申请理由",
    "申报家庭月收入",
    "有近亲属在民政部门工作",
    "近亲属备案说明",
]


def disabled(cast, name: str, grade: int) -> Person:
    person = Person.objects.get(name=name)
    update_person(person, actor=cast.users.admin, disability_category="physical", disability_grade=grade)
    return Person.objects.get(pk=person.pk)


def apply(cast, person, program="living_subsidy", applied_on=APPLIED):
    return submit_application(
        actor=cast.users.village,
        program=program,
        person=person,
        household=None,
        applied_on=applied_on,
        reason="残疾，生活困难",
        declared_income=Decimal("0"),
    )


def dibao(cast, programs, start=JANUARY):
    """张三明's household (张三明, 李四芳, 张小明) on 低保 from `start`, paid to 张三明."""
    return grant_entitlement(
        actor=cast.users.district,
        scheme=programs.dibao,
        person=cast.zhang,
        household=cast.hh_sq,
        start_month=start,
        assessed_income=Decimal("1200"),
    )


def refusal(exc_info) -> str:
    return exc_info.value.message_dict["person"][0]


def test_a_disabled_person_outside_any_dibao_household_or_tekun_is_refused(cast, programs):
    li = disabled(cast, "李四芳", 3)
    with pytest.raises(ValidationError) as exc:
        apply(cast, li)
    assert refusal(exc) == (
        "李四芳在申请日（2018-09-28）既不是享受低保家庭的成员，也不是特困人员：困难残疾人生活补贴" + RULE
    )
    assert not Application.objects.exists()


def test_a_member_of_a_dibao_household_may_apply(cast, programs):
    dibao(cast, programs)
    li = disabled(cast, "李四芳", 3)  # a member, not the payee of the household's 低保
    assert apply(cast, li).number == "SB-2018-000001"


def test_a_tekun_person_may_apply(cast, programs):
    grant_entitlement(
        actor=cast.users.district, scheme=programs.tekun, person=cast.hh_sq2.head, start_month=Month(2018, 3)
    )
    wang = disabled(cast, "王五", 4)
    assert apply(cast, wang).number == "SB-2018-000001"


def test_the_status_counts_on_the_application_date(cast, programs):
    """低保 from October does not cover an application of 28 September; one ended in June neither."""
    li = disabled(cast, "李四芳", 3)
    later = dibao(cast, programs, start=Month(2018, 10))
    with pytest.raises(ValidationError) as exc:
        apply(cast, li)
    assert RULE in refusal(exc)
    assert apply(cast, li, applied_on=date(2018, 10, 8)).number == "SB-2018-000001"

    end_entitlement(later, actor=cast.users.district, last_month=Month(2018, 10), reason="收入超过标准")
    Application.objects.all().delete()
    with pytest.raises(ValidationError):
        apply(cast, li, applied_on=date(2018, 11, 1))


def test_a_suspended_dibao_does_not_count(cast, programs):
    held = dibao(cast, programs)
    suspend_entitlement(held, actor=cast.users.district, from_month=Month(2018, 8), reason="复核中")
    with pytest.raises(ValidationError) as exc:
        apply(cast, disabled(cast, "李四芳", 3))
    assert RULE in refusal(exc)


def test_a_person_who_left_the_dibao_household_before_applying_is_refused(cast, programs):
    dibao(cast, programs)
    li = disabled(cast, "李四芳", 3)
    remove_member(cast.hh_sq, actor=cast.users.admin, person=li, until=date(2018, 8, 31), reason="迁出")
    with pytest.raises(ValidationError) as exc:
        apply(cast, li)
    assert RULE in refusal(exc)
    facts = load_facts([li])
    assert in_need_on(facts, li, date(2018, 8, 30)) and not in_need_on(facts, li, date(2018, 9, 1))


def test_the_nursing_subsidy_needs_grade_one_or_two_only(cast, programs):
    li = disabled(cast, "李四芳", 1)  # no 低保, no 特困: no income test for the nursing subsidy
    assert apply(cast, li, program="nursing_subsidy").number == "HL-2018-000001"


def test_facts_for_many_applicants_take_a_fixed_number_of_queries(cast, programs):
    dibao(cast, programs)
    persons = list(Person.objects.order_by("pk"))
    with CaptureQueriesContext(connection) as one:
        load_facts(persons[:1])
    with CaptureQueriesContext(connection) as many:
        facts = load_facts(persons)
    assert len(persons) >= 5 and len(many) == len(one)
    zhao = disabled(cast, "赵六", 3)
    li = disabled(cast, "李四芳", 3)
    common = {
        "program": "living_subsidy",
        "household": None,
        "applied_on": APPLIED,
        "declared_income": Decimal("0"),
        "relative_in_civil_affairs": False,
        "relative_note": "",
        "today": date(2018, 10, 1),
        "facts": facts,
    }
    assert eligibility_errors(person=li, **common) == {}
    assert RULE in eligibility_errors(person=zhao, **common)["person"]


def test_the_import_refuses_the_same_rows_with_the_row_number(cast, programs, tmp_path):
    dibao(cast, programs)
    li = disabled(cast, "李四芳", 3)
    zhao = disabled(cast, "赵六", 3)
    path = tmp_path / "applications.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerow([li.id_number, "困难残疾人生活补贴", "2018-09-28", "", "0", "否", ""])
        writer.writerow([zhao.id_number, "困难残疾人生活补贴", "2018-09-28", "", "0", "否", ""])
    result = import_dataset("assistance_applications", path, actor=cast.users.district)
    assert not result.ok and not Application.objects.exists()
    assert len(result.errors) == 1
    assert result.errors[0].startswith("第3行") and "赵六" in result.errors[0] and RULE in result.errors[0]
