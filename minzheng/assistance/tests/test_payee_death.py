"""Death of the payee of a household benefit (低保): an urgent review to designate a new payee;
payment suspended from the month after death when no adult member remains; `change_payee` pays
the new payee from the next run.

The cast's household SQ-0001: 张三明 (head, payee), 李四芳 (spouse, adult), 张小明 (born 2010, a
minor). A second household built here has only an adult head and a young child.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from minzheng.assistance.models import Review, ReviewOutcome, ReviewStatus
from minzheng.assistance.services.payee import change_payee
from minzheng.benefits.models import Entitlement, PaymentLine
from minzheng.benefits.payroll import approve_run, build_run, get_or_create_run
from minzheng.benefits.services import grant_entitlement, set_bank_account
from minzheng.core.models import AuditLog
from minzheng.core.months import Month
from minzheng.registry.idnumbers import make_id_number
from minzheng.registry.models import Person
from minzheng.registry.services import add_member, create_household, record_death, register_person

JAN, FEB = Month(2018, 1), Month(2018, 2)


def _account(cast, person):
    set_bank_account(
        actor=cast.users.district,
        person=person,
        bank_name="农村商业银行",
        account_name=person.name,
        account_number=f"62220000{person.pk:010d}",
    )


def _pay(cast, scheme, month):
    run = get_or_create_run(scheme, month, actor=cast.users.finance)
    build_run(run, actor=cast.users.finance)
    approve_run(run, actor=cast.users.district)
    return run


def _dibao(cast, programs, household, payee):
    _account(cast, payee)
    return grant_entitlement(
        actor=cast.users.district,
        scheme=programs.dibao,
        person=payee,
        household=household,
        start_month=JAN,
        assessed_income=Decimal("300"),
    )


def _die(cast, person, day, capture):
    with capture(execute=True):
        record_death(person, actor=cast.users.town, death_date=day)


@pytest.fixture
def spouse(cast):
    return Person.objects.get(name="李四芳")


@pytest.fixture
def child(cast):
    return Person.objects.get(name="张小明")


def test_head_dies_with_an_adult_left_review_opened_payment_continues(
    cast, programs, spouse, django_capture_on_commit_callbacks
):
    entitlement = _dibao(cast, programs, cast.hh_sq, cast.zhang)
    _pay(cast, programs.dibao, JAN)
    _die(cast, cast.zhang, date(2018, 1, 20), django_capture_on_commit_callbacks)

    entitlement.refresh_from_db()
    assert entitlement.status == Entitlement.Status.ACTIVE
    review = Review.objects.get(entitlement=entitlement, status=ReviewStatus.DUE)
    assert "领取人张三明于2018-01-20死亡" in review.cycle_reason
    assert "指定新的领取人" in review.cycle_reason
    assert timezone.localdate() < review.due_on <= timezone.localdate() + timezone.timedelta(days=14)
    assert AuditLog.objects.filter(action="open_review", object_id=str(review.pk)).exists()

    change_payee(entitlement, actor=cast.users.town, person=spouse, reason="户主死亡，配偶领取")
    entitlement.refresh_from_db()
    assert entitlement.person == spouse
    review.refresh_from_db()
    assert review.status == ReviewStatus.DONE and review.outcome == ReviewOutcome.CONTINUE
    assert "李四芳" in review.findings
    log = AuditLog.objects.get(action="change_payee", object_id=str(entitlement.pk))
    assert log.changes["person"] == {"before": "张三明", "after": "李四芳"}
    # the history keeps the old payee; the next run pays the new one
    assert set(PaymentLine.objects.filter(run__month=JAN.first_day).values_list("person", flat=True)) == {
        cast.zhang.pk
    }
    _account(cast, spouse)
    run = _pay(cast, programs.dibao, FEB)
    regular = run.lines.get(kind=PaymentLine.Kind.REGULAR)
    assert regular.person == spouse and regular.amount > 0 and regular.status == PaymentLine.Status.PENDING


@pytest.fixture
def lone_parent(cast):
    """A household of an adult head and a five-year-old child."""
    born = date(timezone.localdate().year - 5, 6, 1)
    mother = register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", date(1985, 2, 3), 81),
        name="陈美华",
        region=cast.village_sq,
    )
    kid = register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", born, 92),
        name="陈小宝",
        region=cast.village_sq,
    )
    household = create_household(
        actor=cast.users.admin,
        region=cast.village_sq,
        head=mother,
        address="市桥街九号",
        number="SQ-0009",
        since=date(2015, 1, 1),
    )
    add_member(household, actor=cast.users.admin, person=kid, relation="child", since=date(2015, 1, 1))
    return household, mother, kid


def test_head_dies_leaving_only_a_child_suspended_then_resumed_for_the_new_guardian(
    cast, programs, lone_parent, django_capture_on_commit_callbacks
):
    household, mother, kid = lone_parent
    entitlement = _dibao(cast, programs, household, mother)
    _pay(cast, programs.dibao, JAN)
    _die(cast, mother, date(2018, 1, 10), django_capture_on_commit_callbacks)

    entitlement.refresh_from_db()
    assert entitlement.status == Entitlement.Status.SUSPENDED
    review = Review.objects.get(entitlement=entitlement, status=ReviewStatus.DUE)
    assert "家庭无其他成年成员" in review.cycle_reason
    assert not entitlement.periods.filter(from_month__gte=FEB.first_day).exists()

    # nobody in the household can be payee yet: the child is refused
    with pytest.raises(ValidationError) as error:
        change_payee(entitlement, actor=cast.users.town, person=kid, reason="无其他成员")
    assert "未成年" in str(error.value.message_dict["person"])

    grandma = register_person(
        actor=cast.users.admin,
        id_number=make_id_number("440113", date(1955, 4, 4), 63),
        name="陈婆婆",
        region=cast.village_sq,
    )
    with django_capture_on_commit_callbacks(execute=True):
        add_member(
            household, actor=cast.users.admin, person=grandma, relation="other", since=date(2018, 1, 25)
        )
    _account(cast, grandma)
    change_payee(entitlement, actor=cast.users.town, person=grandma, reason="祖母为监护人")
    entitlement.refresh_from_db()
    assert entitlement.status == Entitlement.Status.ACTIVE and entitlement.person == grandma
    run = _pay(cast, programs.dibao, FEB)
    line = run.lines.get(kind=PaymentLine.Kind.REGULAR)
    assert line.person == grandma and line.amount > 0


def test_change_payee_refused_out_of_scope_and_for_a_child(
    cast, programs, spouse, child, django_capture_on_commit_callbacks
):
    entitlement = _dibao(cast, programs, cast.hh_sq, cast.zhang)
    _die(cast, cast.zhang, date(2018, 1, 20), django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        change_payee(entitlement, actor=cast.users.town_other, person=spouse, reason="配偶领取")
    with pytest.raises(ValidationError) as error:
        change_payee(entitlement, actor=cast.users.town, person=child, reason="孩子领取")
    assert "person" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        change_payee(entitlement, actor=cast.users.town, person=cast.zhao, reason="他人领取")
    assert "不是该户现有的成年家庭成员" in error.value.message_dict["person"][0]
    entitlement.refresh_from_db()
    assert entitlement.person == cast.zhang
    assert Review.objects.filter(entitlement=entitlement, status=ReviewStatus.DUE).exists()


def test_a_person_benefit_of_the_deceased_opens_no_payee_review(
    cast, programs, django_capture_on_commit_callbacks
):
    entitlement = grant_entitlement(
        actor=cast.users.district, scheme=programs.living_subsidy, person=cast.zhang, start_month=JAN
    )
    _die(cast, cast.zhang, date(2018, 1, 20), django_capture_on_commit_callbacks)
    assert not Review.objects.filter(entitlement=entitlement).exists()
