"""困难残疾人生活补贴 depends on the household's status (issue #4 item 1): on the application date
the applicant is a member of a household whose 低保 is paid, or holds 特困, or the household is a
低收入困难家庭 (investigated income per member below 1.5 × the 低保 standard, the multiple being
data on the living subsidy's standard). The income is only known after the investigation, so
intake checks the certificate only; the town's review and the district's decision check the rest.
重度残疾人护理补贴 needs grade 1–2 only, without any income test."""

import csv
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minzheng.assistance.models import Application, ApplicationStatus, Notice
from minzheng.assistance.services import applications as svc
from minzheng.assistance.services.application_rules import in_need_on, load_need_facts, low_income_test
from minzheng.assistance.services.notices import close_expired_notices
from minzheng.benefits.models import Entitlement
from minzheng.benefits.services import end_entitlement, grant_entitlement, set_standard, suspend_entitlement
from minzheng.core.datasets import import_dataset
from minzheng.core.months import Month
from minzheng.registry.models import Person
from minzheng.registry.services import remove_member, update_person

pytestmark = pytest.mark.django_db

S = ApplicationStatus
APPLIED = date(2018, 9, 28)
JANUARY = Month(2018, 1)
RULE = "困难残疾人生活补贴仅限低保家庭、特困人员和低收入困难家庭中的残疾人，应作不予批准处理"
NOT_IN_NEED = "李四芳在申请日（2018-09-28）既不是享受低保家庭的成员，也不是特困人员"
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
    return svc.submit_application(
        actor=cast.users.village,
        program=program,
        person=person,
        household=None,
        applied_on=applied_on,
        reason="残疾，生活困难",
        declared_income=Decimal("0"),
    )


def investigated(cast, person, income, program="living_subsidy") -> Application:
    """An application of 28 September 2018, accepted and investigated with household `income`."""
    application = apply(cast, person, program)
    svc.accept_application(application, actor=cast.users.town)
    svc.record_investigation(
        application, actor=cast.users.village, assessed_income=income, result_text="入户核实"
    )
    return application


def to_district(cast, application) -> Application:
    svc.town_review(application, actor=cast.users.town, approve=True, opinion="符合条件")
    notice = Notice.objects.get(application=application, status="open")
    close_expired_notices(today=notice.ends_on + timedelta(days=1))
    application.refresh_from_db()
    assert application.status == S.DISTRICT_REVIEW
    return application


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
    return exc_info.value.message_dict["assessed_income"][0]


# --- intake ----------------------------------------------------------------------------------------


def test_intake_takes_in_any_certified_person_the_income_being_unknown(cast, programs):
    li = disabled(cast, "李四芳", 3)  # no 低保, no 特困: may still be a low-income household
    assert apply(cast, li).number == "SB-2018-000001"


def test_intake_refuses_a_person_without_a_disability_certificate(cast, programs):
    with pytest.raises(ValidationError) as exc:
        apply(cast, Person.objects.get(name="李四芳"))
    assert exc.value.message_dict["person"] == [
        "李四芳未登记残疾等级（须持残疾人证），不能申请困难残疾人生活补贴"
    ]


# --- approval ---------------------------------------------------------------------------------------


def test_a_low_income_household_is_approved(cast, programs):
    """3 members, 3600 元: 1200 per member, below 1.5 × 900 = 1350."""
    li = disabled(cast, "李四芳", 3)
    application = to_district(cast, investigated(cast, li, Decimal("3600")))
    svc.district_decide(application, actor=cast.users.district, approve=True, opinion="同意")
    entitlement = Entitlement.objects.get(pk=application.entitlement_id)
    assert application.status == S.APPROVED
    assert entitlement.scheme.code == "living_subsidy" and entitlement.assessed_income == Decimal("3600.00")
    assert entitlement.monthly_amount == Decimal("150.00")  # a fixed amount: the income changes nothing


def test_a_household_above_the_line_is_refused_at_the_towns_review(cast, programs):
    li = disabled(cast, "李四芳", 3)
    application = investigated(cast, li, Decimal("4200"))
    with pytest.raises(ValidationError) as exc:
        svc.town_review(application, actor=cast.users.town, approve=True, opinion="符合条件")
    assert refusal(exc) == (
        f"{NOT_IN_NEED}；家庭人均月收入 1400.00 元（家庭月收入 4200.00 元，3 人），"
        f"高于低收入标准 1350.00 元（低保标准 900.00 × 1.5）：{RULE}"
    )
    assert application.status == S.INVESTIGATED and not Notice.objects.exists()
    svc.town_review(application, actor=cast.users.town, approve=False, opinion="家庭人均收入高于低收入标准")
    assert application.status == S.REFUSED


def test_the_district_refuses_by_the_multiple_in_force_on_its_standard(cast, programs):
    """The multiple is data: lowered to 1.2 from September after the town's review, 1300 per member
    is above 900 × 1.2 = 1080 at the district's decision."""
    li = disabled(cast, "李四芳", 3)
    application = to_district(cast, investigated(cast, li, Decimal("3900")))
    set_standard(
        actor=cast.users.district,
        scheme=programs.living_subsidy,
        region=cast.district,
        valid_from=Month(2018, 9),
        document="番民〔2018〕90号（测试）",
        amount=Decimal("150"),
        params={"low_income_multiple": "1.2"},
    )
    with pytest.raises(ValidationError) as exc:
        svc.district_decide(application, actor=cast.users.district, approve=True, opinion="同意")
    assert refusal(exc) == (
        f"{NOT_IN_NEED}；家庭人均月收入 1300.00 元（家庭月收入 3900.00 元，3 人），"
        f"高于低收入标准 1080.00 元（低保标准 900.00 × 1.2）：{RULE}"
    )
    assert application.status == S.DISTRICT_REVIEW
    assert not Entitlement.objects.filter(scheme=programs.living_subsidy).exists()


def test_income_exactly_at_the_line_is_not_below_it(cast, programs):
    li = disabled(cast, "李四芳", 3)
    application = investigated(cast, li, Decimal("4050"))  # 1350 per member
    with pytest.raises(ValidationError) as exc:
        svc.town_review(application, actor=cast.users.town, approve=True, opinion="符合条件")
    assert "家庭人均月收入 1350.00 元（家庭月收入 4050.00 元，3 人），等于低收入标准 1350.00 元" in refusal(
        exc
    )


def test_without_an_investigated_income_only_dibao_or_tekun_can_be_approved(cast, programs):
    li = disabled(cast, "李四芳", 3)
    application = investigated(cast, li, None)
    with pytest.raises(ValidationError) as exc:
        svc.town_review(application, actor=cast.users.town, approve=True, opinion="符合条件")
    assert "调查未核定家庭月收入，无法认定是否为低收入困难家庭" in refusal(exc)

    dibao(cast, programs)  # the household's 低保 was in force on the application date
    svc.district_decide(
        to_district(cast, application), actor=cast.users.district, approve=True, opinion="同意"
    )
    assert application.status == S.APPROVED


def test_a_tekun_person_is_approved_whatever_the_income(cast, programs):
    grant_entitlement(
        actor=cast.users.district, scheme=programs.tekun, person=cast.hh_sq2.head, start_month=Month(2018, 3)
    )
    wang = disabled(cast, "王五", 4)
    application = to_district(cast, investigated(cast, wang, Decimal("5000")))
    svc.district_decide(application, actor=cast.users.district, approve=True, opinion="同意")
    assert application.status == S.APPROVED


# --- the facts: on the application date -----------------------------------------------------------


def test_the_status_counts_on_the_application_date(cast, programs):
    """低保 from October does not cover 28 September; one ended in October neither 1 November."""
    li = disabled(cast, "李四芳", 3)
    later = dibao(cast, programs, start=Month(2018, 10))
    facts = load_need_facts([li])
    assert not in_need_on(facts, li, APPLIED) and in_need_on(facts, li, date(2018, 10, 8))
    end_entitlement(later, actor=cast.users.district, last_month=Month(2018, 10), reason="收入超过标准")
    assert not in_need_on(load_need_facts([li]), li, date(2018, 11, 1))


def test_a_suspended_dibao_does_not_count(cast, programs):
    held = dibao(cast, programs)
    li = disabled(cast, "李四芳", 3)
    assert in_need_on(load_need_facts([li]), li, APPLIED)
    suspend_entitlement(held, actor=cast.users.district, from_month=Month(2018, 8), reason="复核中")
    assert not in_need_on(load_need_facts([li]), li, APPLIED)


def test_members_are_counted_on_the_application_date(cast, programs):
    """李四芳 left 张三明's 低保 household on 31 August: from then on she is not in need through it,
    and counts alone, with the 低保 standard of her own region."""
    dibao(cast, programs)
    li = disabled(cast, "李四芳", 3)
    remove_member(cast.hh_sq, actor=cast.users.admin, person=li, until=date(2018, 8, 31), reason="迁出")
    facts = load_need_facts([li])
    assert in_need_on(facts, li, date(2018, 8, 30)) and not in_need_on(facts, li, date(2018, 9, 1))
    before = low_income_test(facts, li, date(2018, 8, 30), Decimal("3600"))
    after = low_income_test(facts, li, APPLIED, Decimal("1300"))
    assert (before.members, before.per_member, before.passes) == (3, Decimal("1200.00"), True)
    assert (after.members, after.line, after.passes) == (1, Decimal("1350.00"), True)
    zhang = load_need_facts([cast.zhang])
    assert low_income_test(zhang, cast.zhang, APPLIED, Decimal("2700")).members == 2


def test_facts_for_many_persons_take_a_fixed_number_of_queries(cast, programs):
    dibao(cast, programs)
    persons = list(Person.objects.order_by("pk"))
    with CaptureQueriesContext(connection) as one:
        load_need_facts(persons[:1])
    with CaptureQueriesContext(connection) as many:
        facts = load_need_facts(persons)
    assert len(persons) >= 5 and len(many) == len(one) == 5
    li, zhao = Person.objects.get(name="李四芳"), Person.objects.get(name="赵六")
    assert in_need_on(facts, li, APPLIED) and not in_need_on(facts, zhao, APPLIED)
    assert low_income_test(facts, zhao, APPLIED, Decimal("1349.99")).passes


def test_the_nursing_subsidy_needs_grade_one_or_two_only(cast, programs):
    li = disabled(cast, "李四芳", 1)  # no 低保, no 特困: no income test for the nursing subsidy
    application = to_district(cast, investigated(cast, li, None, "nursing_subsidy"))
    svc.district_decide(application, actor=cast.users.district, approve=True, opinion="同意")
    assert application.number == "HL-2018-000001" and application.status == S.APPROVED


def test_the_import_applies_the_intake_rule_with_the_row_number(cast, programs, tmp_path):
    li = disabled(cast, "李四芳", 3)
    zhao = Person.objects.get(name="赵六")  # no disability certificate
    path = tmp_path / "applications.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerow([li.id_number, "困难残疾人生活补贴", "2018-09-28", "", "0", "否", ""])
        writer.writerow([zhao.id_number, "困难残疾人生活补贴", "2018-09-28", "", "0", "否", ""])
    result = import_dataset("assistance_applications", path, actor=cast.users.district)
    assert not result.ok and not Application.objects.exists()
    assert len(result.errors) == 1
    assert result.errors[0].startswith("第3行") and "赵六未登记残疾等级" in result.errors[0]

    update_person(zhao, actor=cast.users.admin, disability_category="physical", disability_grade=3)
    result = import_dataset("assistance_applications", path, actor=cast.users.district)
    assert result.ok and Application.objects.filter(program="living_subsidy").count() == 2
